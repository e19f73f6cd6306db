"""Execute every guided notebook (notebooks/NN_*.ipynb) top to bottom with nbclient.

Each notebook ends with a cell that asserts its own claim, so "runs without error" means "the
lesson still holds".  The kernel is this interpreter's: kernel specs are looked up only under
sys.prefix (the test venv), and a spec whose command is `python` runs sys.executable; the first
test checks that.  Deselect with `-m "not notebooks"`.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402  (installed with nbclient)
from jupyter_client.manager import AsyncKernelManager  # noqa: E402
from traitlets import default  # noqa: E402

pytestmark = pytest.mark.notebooks

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
KERNEL = "python3"
# Whole-notebook budget, enforced as a shrinking per-cell timeout.  Each takes 2-10 s on an idle
# 2-core machine; the margin is for a loaded CI runner.
NOTEBOOK_SECONDS = 120


class ThisEnvironmentKernels(AsyncKernelManager):
    """Kernel specs from this environment only (sys.prefix), plus ipykernel's native one (which
    runs sys.executable): a user-level "python3" spec must not send us to another interpreter."""

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        here = os.path.join(sys.prefix, "share", "jupyter", "kernels")
        return KernelSpecManager(kernel_dirs=[here])


def _client(nb, seconds: float = NOTEBOOK_SECONDS) -> "nbclient.NotebookClient":
    deadline = time.monotonic() + seconds
    return nbclient.NotebookClient(
        nb, kernel_name=KERNEL, kernel_manager_class=ThisEnvironmentKernels, startup_timeout=60,
        timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}})


def test_there_is_one_guided_notebook_per_topic():
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(1, 12)]


def test_the_kernel_is_this_interpreter():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys, initlab; print(sys.executable); print(initlab.__file__)")])
    _client(nb, 60).execute()
    executable, package = nb.cells[0].outputs[0]["text"].split()
    assert Path(executable).resolve() == Path(sys.executable).resolve()
    assert Path(package).resolve().parent == (ROOT / "initlab").resolve()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_clean_and_ends_with_its_claim(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "strip the outputs"
    assert nb.cells[-1].cell_type == "code" and "assert " in nb.cells[-1].source
    assert any("Try this" in c.source for c in nb.cells if c.cell_type == "markdown")
    assert nb.metadata["kernelspec"]["name"] == KERNEL


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_its_claims_hold(path):
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    _client(nb).execute()        # raises CellExecutionError naming the cell and the assertion
    seconds = time.perf_counter() - start
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    print(f"{path.name}: {seconds:.1f} s")
