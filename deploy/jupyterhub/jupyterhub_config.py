"""JupyterHub on one machine for a class: every student logs in and lands on the lab (Voila).

    make hub                     # http://127.0.0.1:8000/ (log in with any name)

Each user gets a single-user Jupyter server (SimpleLocalProcessSpawner: processes of this Unix
user, homes under the runtime folder) whose default page is the lab rendered by Voila's server
extension, with the same safety settings as `initlab serve`: no theme/template override, no
tracebacks on the page, the initlab template (no CDN, a banner when the kernel is lost), one BLAS
thread, the cost budget and the kernel memory cap.  jupyterhub-idle-culler stops servers idle for
INITLAB_HUB_CULL seconds.

The dummy authenticator (any name; INITLAB_HUB_PASSWORD, if set, is everyone's password) is for
this machine and the tests only.  For a real class use a real authenticator (e.g. "native" or an
OAuth one) and a spawner that enforces limits: LocalProcessSpawner does not enforce mem_limit or
cpu_limit (they are passed on as MEM_LIMIT/CPU_LIMIT); systemdspawner, DockerSpawner and
KubeSpawner do.  See docs/deploy.md and deploy/kubernetes/config.yaml.

Settings from the environment: INITLAB_HUB_PORT (8000), INITLAB_HUB_INTERNAL_PORT and
INITLAB_HUB_API_PORT (the two next ports), INITLAB_HUB_RUNTIME (artifacts/hub),
INITLAB_CHP (configurable-http-proxy's path), INITLAB_HUB_CULL (600), INITLAB_MAX_MB (budget).
"""
import os
import sys
from pathlib import Path

from initlab.serving import serve
from initlab.core import budget, environment

c = get_config()  # noqa: F821 - defined by JupyterHub when it loads this file

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RUNTIME = Path(os.environ.get("INITLAB_HUB_RUNTIME", ROOT / "artifacts" / "hub")).resolve()
RUNTIME.mkdir(parents=True, exist_ok=True)
PORT = int(os.environ.get("INITLAB_HUB_PORT", "8000"))
HUB_PORT = int(os.environ.get("INITLAB_HUB_INTERNAL_PORT", PORT + 1))    # the hub behind the proxy
API_PORT = int(os.environ.get("INITLAB_HUB_API_PORT", PORT + 2))         # the proxy's REST API
CULL = int(os.environ.get("INITLAB_HUB_CULL", "600"))
APP = serve.app_notebook()

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

# ---- who may log in ---------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "dummy"
if os.environ.get("INITLAB_HUB_PASSWORD"):
    c.DummyAuthenticator.password = os.environ["INITLAB_HUB_PASSWORD"]
c.Authenticator.allow_all = True

# ---- every student's server: the lab as their default page ------------------------------------
c.JupyterHub.spawner_class = "simple"          # SimpleLocalProcessSpawner
c.SimpleLocalProcessSpawner.home_dir_template = str(RUNTIME / "home" / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.notebook_dir = str(APP.parent)
c.Spawner.default_url = f"/voila/render/{APP.name}"
c.Spawner.args = [
    f"--VoilaConfiguration.template={serve.TEMPLATE}",
    "--VoilaConfiguration.allow_theme_override=NO",
    "--VoilaConfiguration.allow_template_override=NO",
    "--VoilaConfiguration.show_tracebacks=False",
]
if os.geteuid() == 0:      # this machine and CI run as root; the servers run as this user
    c.Spawner.args.append("--allow-root")
_env = serve.kernel_environment({})          # threads, INITLAB_SERVED, budget, kernel cap
c.Spawner.environment = {k: _env[k] for k in (*serve.THREAD_VARIABLES, environment.SERVED,
                                             environment.KERNEL_MAX_MB, "JUPYTER_PATH")}
c.Spawner.environment[environment.MAX_MB] = f"{budget.limits()[0]:g}"
c.Spawner.environment["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
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
