"""JupyterHub on one machine for a class: every student logs in and lands on the lab (Voila).

    sudo python -m initlab.serving.hub create-users names.txt     # once: a system user each
    sudo INITLAB_HUB_NAMES=names.txt INITLAB_HUB_PASSWORD=class-secret make hub
                                                 # http://127.0.0.1:8000/ (see docs/deploy.md)

Who may log in: the names in INITLAB_HUB_NAMES (one a line), with the class password
INITLAB_HUB_PASSWORD (8 characters or more), through JupyterHub's SharedPasswordAuthenticator.
The hub refuses to start without both.

Each student's server is a process of their own system user, initlab-NAME (ClassSpawner, made
by `create-users`; never uid 0), whose only page is the lab rendered by Voila's server extension:
JupyterLab and terminals are not loaded, Jupyter's API is refused except the page's own kernel
websocket, which passes the widgets' messages only (no execute_request), with the same settings
as `initlab serve`: no theme/template override, no tracebacks on the page, the initlab template
(no CDN, a banner when the kernel is lost), one BLAS thread, the cost budget and the kernel memory
cap.  jupyterhub-idle-culler stops servers idle for INITLAB_HUB_CULL seconds.  The hub's own
files (database, cookie secret) are in a folder only root can read.  LocalProcessSpawner does not
enforce mem_limit or cpu_limit (it passes them on as MEM_LIMIT/CPU_LIMIT): the kernel memory cap
does; systemdspawner, DockerSpawner and KubeSpawner enforce both.  See docs/deploy.md and
deploy/kubernetes/config.yaml.

Settings from the environment: INITLAB_HUB_NAMES, INITLAB_HUB_PASSWORD, INITLAB_HUB_PORT (8000),
INITLAB_HUB_INTERNAL_PORT and INITLAB_HUB_API_PORT (the two next ports), INITLAB_HUB_RUNTIME
(artifacts/hub), INITLAB_HUB_USER_PREFIX (initlab-), INITLAB_CHP (configurable-http-proxy's
path), INITLAB_HUB_CULL (600), INITLAB_MAX_MB (budget), INITLAB_HUB_PYTHON (the students'
servers' Python: this one by default; it must not live under a folder closed to them).  PYTHONPATH, if set, is passed on to
the students' servers (so a checkout's initlab is the one they run).
"""
import os
import sys
from pathlib import Path

from initlab.core import budget, environment
from initlab.serving import hub, serve

c = get_config()  # noqa: F821 - defined by JupyterHub when it loads this file

ROOT = Path(__file__).resolve().parents[2]
APP = serve.app_notebook()
# The students' servers run as their own accounts: their Python must be one they can run.
PYTHON = os.environ.get("INITLAB_HUB_PYTHON", sys.executable)
BIN = Path(PYTHON).parent
for _path in (PYTHON, APP):
    if not hub.open_to_others(_path):
        sys.exit(f"initlab hub: the students' accounts cannot read {_path} (a folder on its way, "
                 f"e.g. /root, is closed to other users): install initlab in an environment "
                 f"they can read (e.g. /opt/initlab) or name its python in INITLAB_HUB_PYTHON")
RUNTIME = Path(os.environ.get("INITLAB_HUB_RUNTIME", ROOT / "artifacts" / "hub")).resolve()
RUNTIME.mkdir(mode=0o700, parents=True, exist_ok=True)
RUNTIME.chmod(0o700)        # the hub's database and cookie secret: no student may read them
PORT = int(os.environ.get("INITLAB_HUB_PORT", "8000"))
HUB_PORT = int(os.environ.get("INITLAB_HUB_INTERNAL_PORT", PORT + 1))    # the hub behind the proxy
API_PORT = int(os.environ.get("INITLAB_HUB_API_PORT", PORT + 2))         # the proxy's REST API
CULL = int(os.environ.get("INITLAB_HUB_CULL", "600"))

# ---- the hub and its proxy: this machine only (put TLS in front for a network) ---------------
c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = HUB_PORT
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{API_PORT}"
c.ConfigurableHTTPProxy.command = [os.environ.get("INITLAB_CHP", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(RUNTIME / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{RUNTIME / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(RUNTIME / "cookie_secret")
c.JupyterHub.pid_file = str(RUNTIME / "jupyterhub.pid")

# ---- who may log in: the class list and the class password -----------------------------------
if not os.environ.get("INITLAB_HUB_NAMES") or len(os.environ.get("INITLAB_HUB_PASSWORD", "")) < 8:
    sys.exit("initlab hub: set INITLAB_HUB_NAMES (the class list, one name a line) and "
             "INITLAB_HUB_PASSWORD (the class password, 8 characters or more); see docs/deploy.md")
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = os.environ["INITLAB_HUB_PASSWORD"]
c.Authenticator.allowed_users = set(hub.read_names(os.environ["INITLAB_HUB_NAMES"]))
c.Authenticator.allow_all = False

# ---- every student's server: the lab, as their own unprivileged user --------------------------
c.JupyterHub.spawner_class = hub.ClassSpawner
c.Spawner.cmd = [PYTHON, "-m", "jupyterhub.singleuser"]
c.Spawner.disable_user_config = True           # no ~/.jupyter config can undo the settings
c.Spawner.notebook_dir = str(APP.parent)
c.Spawner.default_url = f"/voila/render/{APP.name}"
c.Spawner.args = hub.singleuser_args(serve.TEMPLATE)
_env = serve.kernel_environment({})          # threads, INITLAB_SERVED, budget, kernel cap
c.Spawner.environment = {k: _env[k] for k in (*serve.THREAD_VARIABLES, environment.SERVED,
                                             environment.KERNEL_MAX_MB, "JUPYTER_PATH")}
c.Spawner.environment[environment.MAX_MB] = f"{budget.limits()[0]:g}"
c.Spawner.environment["PATH"] = f"{BIN}{os.pathsep}/usr/bin:/bin"
if os.environ.get("PYTHONPATH"):
    c.Spawner.environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
# Enforced by spawners that can (systemd, Docker, Kubernetes); informational here.
c.Spawner.mem_limit = f"{int(serve.kernel_cap_mb(budget.limits()[0]) + 300)}M"
c.Spawner.cpu_limit = 1.0
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# ---- idle culling -----------------------------------------------------------------------------
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={CULL}",
                f"--cull-every={max(10, CULL // 10)}"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
