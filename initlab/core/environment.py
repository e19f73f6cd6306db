"""The environment variables initlab reads, named once.

`initlab serve` (initlab.serving.serve.kernel_environment) sets them for the Voila process and so
for every kernel it starts; a deployment (deploy/) may set them for its kernels too.  They live in
core, not in serving, because the core reads one of them on every Config it validates (the cost
budget, initlab.core.budget) and the core never imports the serving package (which needs Voila).

The JupyterHub deployment's own settings (INITLAB_HUB_*, INITLAB_CHP) are read only by
deploy/jupyterhub/jupyterhub_config.py and are named there.
"""
SERVED = "INITLAB_SERVED"                  # "1": errors to the server log, a short message on the page
MAX_MB = "INITLAB_MAX_MB"                  # cost budget: memory per student, MB (budget.limits)
MAX_SECONDS = "INITLAB_MAX_SECONDS"        # cost budget: CPU seconds per training step
KERNEL_MAX_MB = "INITLAB_KERNEL_MAX_MB"    # address space a kernel may take beyond its start-up size
TOKEN = "INITLAB_TOKEN"                    # Voila's token (read and removed by voila_app)
