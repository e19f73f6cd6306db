"""The class hub's pieces without a hub: the class list, the single-user settings (the same in
deploy/jupyterhub and in the Kubernetes values), and what the lab-only authorizer lets through."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from traitlets.config import Config as TraitletsConfig

from initlab.serving import hub

ROOT = Path(__file__).resolve().parents[2]


def test_the_class_list_skips_comments_and_names_a_bad_line(tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("# class 4b\nada\n\nben  # late\nada\n")
    assert hub.read_names(names) == ["ada", "ben"]
    names.write_text("ada\nRoot;rm\n")
    with pytest.raises(ValueError, match=r"line 2: 'Root;rm' is not a valid student name"):
        hub.read_names(names)


def test_a_student_runs_as_a_prefixed_account_never_a_real_one():
    assert hub.system_user("root", prefix="initlab-") == "initlab-root"


def test_the_kubernetes_values_give_the_same_single_user_settings_as_make_hub():
    values = yaml.safe_load((ROOT / "deploy" / "kubernetes" / "config.yaml").read_text())
    c = TraitletsConfig()
    exec(values["hub"]["extraConfig"]["initlab"], {"c": c})
    assert list(c.Spawner.args) == hub.singleuser_args("initlab")
    assert c.Spawner.disable_user_config is True
    assert c.KubeSpawner.extra_container_config["securityContext"]["runAsNonRoot"] is True
    assert values["singleuser"]["uid"] != 0
    assert values["singleuser"]["allowPrivilegeEscalation"] is False
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] == "shared-password"


def _handler(cls, method: str):
    handler = cls.__new__(cls)            # no server: only the class and the request matter
    handler.request = SimpleNamespace(method=method, path="/user/ada/x")
    return handler


def test_the_authorizer_lets_through_the_page_kernel_websocket_only():
    from jupyter_server.services.contents.handlers import ContentsHandler
    from jupyter_server.services.kernels.handlers import (KernelActionHandler, KernelHandler,
                                                          MainKernelHandler)
    from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
    from jupyter_server.services.sessions.handlers import SessionRootHandler
    allowed = [(KernelWebsocketHandler, "GET", "execute", "kernels"),
               (KernelHandler, "GET", "read", "kernels"),
               (KernelHandler, "DELETE", "write", "kernels")]
    refused = [(MainKernelHandler, "GET", "read", "kernels"),       # list kernels
               (MainKernelHandler, "POST", "write", "kernels"),     # start one
               (KernelActionHandler, "POST", "write", "kernels"),   # restart, interrupt
               (ContentsHandler, "GET", "read", "contents"),
               (ContentsHandler, "PUT", "write", "contents"),
               (SessionRootHandler, "POST", "write", "sessions")]
    for cls, method, action, resource in allowed:
        assert hub._lab_only(_handler(cls, method), action, resource), cls.__name__
    for cls, method, action, resource in refused:
        assert not hub._lab_only(_handler(cls, method), action, resource), cls.__name__
    for resource in ("terminals", "config", "kernelspecs", "nbconvert", "events", "server"):
        assert not hub._lab_only(_handler(KernelHandler, "GET"), "read", resource)


def test_the_hub_refuses_a_python_the_students_cannot_reach():
    import shutil
    import tempfile
    base = Path(tempfile.mkdtemp(prefix="initlab-open-"))  # /tmp: open to every account
    try:
        base.chmod(0o755)
        folder = base / "env"
        folder.mkdir(mode=0o700)
        (folder / "python").write_text("")
        (folder / "python").chmod(0o755)
        assert not hub.open_to_others(folder / "python")      # like a pyenv under /root
        folder.chmod(0o755)
        assert hub.open_to_others(folder / "python")
        (folder / "python").chmod(0o700)
        assert not hub.open_to_others(folder / "python")
    finally:
        shutil.rmtree(base)
