"""The kernel `initlab serve` starts for every notebook it serves: ipykernel, made fit for a class
before the notebook's first cell.

``initlab serve`` puts initlab/jupyter on JUPYTER_PATH (for its page template), and with it
initlab/jupyter/kernels/python3, which runs ``python -m initlab.serving.kernel``.  So every kernel
(the lab's, a guided notebook's, any notebook of a served folder) has its address space capped,
its stderr and warnings in the server's log and tracebacks kept off the page
(initlab.serving.querystring.prepare_served_kernel), whether or not the notebook asks for it.
numpy is imported first so that the cap is measured above the size every notebook here reaches.
"""
from __future__ import annotations

import os

from initlab.core.environment import SERVED as SERVED_VARIABLE

PREPARE = ["import numpy",
           "from initlab.serving.querystring import prepare_served_kernel",
           "prepare_served_kernel()",
           "del numpy, prepare_served_kernel"]


def main() -> None:
    from ipykernel.kernelapp import IPKernelApp
    from traitlets.config import Config
    config = Config()
    if os.environ.get(SERVED_VARIABLE):
        config.IPKernelApp.exec_lines = PREPARE
        # ipykernel copies what is written to file descriptors 1 and 2 to the page: the log's
        # own descriptor (sys.__stderr__) must stay the server's log.
        config.IPKernelApp.capture_fd_output = False
    IPKernelApp.launch_instance(config=config)


if __name__ == "__main__":
    main()
