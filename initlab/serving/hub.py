"""JupyterHub for a class: every student's server is the lab and nothing else, run as their own
unprivileged system user (deploy/jupyterhub/jupyterhub_config.py uses this module).

Three pieces:

- ``LabOnlyAuthorizer`` (the single-user server's ``ServerApp.authorizer_class``): a student's
  server answers the lab's page (Voila) and the websocket of the kernel that page started, and
  refuses the rest of Jupyter's API: listing or starting kernels, terminals, files (contents),
  sessions, kernel specs, config, nbconvert, events.  With ``singleuser_args()`` the kernel
  websocket also drops every message but the widgets' own (no execute_request, as in Voila's own
  server), terminals and JupyterLab are not loaded, and no traceback reaches the page.
- ``ClassSpawner``: JupyterHub's LocalProcessSpawner, run as root, starts hub user NAME's server
  as the system user ``initlab-NAME`` (the prefix keeps a student called "root" or "admin" away
  from real accounts) and refuses any account with uid 0.
- ``python -m initlab.serving.hub create-users names.txt`` (as root) makes those system users,
  one per name in the class list, with a private home and no login shell; ``remove-users``
  deletes them.  The same list is the hub's allowed users.
"""
from __future__ import annotations

import argparse
import os
import pwd
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Sequence

PREFIX_VARIABLE, HOMES_VARIABLE = "INITLAB_HUB_USER_PREFIX", "INITLAB_HUB_HOMES"
DEFAULT_PREFIX, DEFAULT_HOMES = "initlab-", "/home"
NAME = re.compile(r"[a-z][a-z0-9_-]{0,19}")     # a hub name that is also a safe Unix name part
NOLOGIN = next((p for p in ("/usr/sbin/nologin", "/sbin/nologin") if os.path.exists(p)),
               "/bin/false")

# What a Voila page sends over its kernel's websocket (Voila's own server allows the same list):
# the widgets' messages, never code to execute, inspect or debug.
PAGE_MESSAGE_TYPES = ("comm_open", "comm_close", "comm_msg", "comm_info_request",
                      "kernel_info_request", "shutdown_request")
# Server extensions a lab server does not load: JupyterLab, the notebook UI, terminals, LSP.
UNLOADED_EXTENSIONS = ("jupyterlab", "notebook", "notebook_shim", "jupyter_server_terminals",
                       "jupyter_lsp")


def read_names(path: str | Path) -> list[str]:
    """The class list: one student name per line ('#' starts a comment), checked.

    Raises ValueError naming the line of a name that is not lower-case letters, digits, '-' or
    '_' (starting with a letter, at most 20 characters): it becomes part of a Unix user name.
    """
    names = []
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        name = line.split("#", 1)[0].strip()
        if not name:
            continue
        if not NAME.fullmatch(name):
            raise ValueError(f"{path}, line {number}: {name!r} is not a valid student name: use "
                             f"lower-case letters, digits, '-' or '_', starting with a letter, "
                             f"at most 20 characters")
        if name not in names:
            names.append(name)
    return names


def system_user(name: str, prefix: str | None = None) -> str:
    """The Unix account that runs hub user `name`'s server."""
    prefix = os.environ.get(PREFIX_VARIABLE, DEFAULT_PREFIX) if prefix is None else prefix
    return prefix + name


def open_to_others(path: str | Path) -> bool:
    """True when any account can reach and read `path` (links followed, every folder on the way
    open to others): the students' servers run as their own accounts."""
    target = Path(os.path.realpath(path))
    if not os.stat(target).st_mode & 0o004:
        return False
    return all(os.stat(folder).st_mode & 0o001 for folder in target.parents)


def singleuser_args(template: str) -> list[str]:
    """Command-line options of `jupyterhub-singleuser` that make it the lab and only the lab."""
    return [
        f"--ServerApp.authorizer_class={__name__}.LabOnlyAuthorizer",
        "--ServerApp.terminals_enabled=False",
        "--ServerApp.jpserver_extensions=voila=True",
        *(f"--ServerApp.jpserver_extensions={name}=False" for name in UNLOADED_EXTENSIONS),
        *(f"--MappingKernelManager.allowed_message_types={kind}" for kind in PAGE_MESSAGE_TYPES),
        f"--VoilaConfiguration.template={template}",
        "--VoilaConfiguration.allow_theme_override=NO",
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.show_tracebacks=False",
    ]


def _lab_only(handler: Any, action: str, resource: str) -> bool:
    """True for the one thing of Jupyter's API a lab page uses: its kernel's websocket (and
    reading or closing that kernel); every other authorized request is refused."""
    from jupyter_server.services.kernels.handlers import KernelHandler
    from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
    if resource != "kernels":
        return False
    if isinstance(handler, KernelWebsocketHandler):
        return True
    return isinstance(handler, KernelHandler) and handler.request.method in ("GET", "DELETE")


try:
    from jupyterhub.singleuser.extension import JupyterHubAuthorizer
except ImportError:                     # JupyterHub is the `hub` extra: only the hub needs it
    JupyterHubAuthorizer = None

if JupyterHubAuthorizer is not None:
    class LabOnlyAuthorizer(JupyterHubAuthorizer):
        """JupyterHub's check (the user may use this server) and then: the lab only."""

        def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
            allowed = super().is_authorized(handler, user, action, resource)
            if allowed and not _lab_only(handler, action, resource):
                self.log.warning("initlab: refused %s %s (%s on %s): a class server serves the "
                                 "lab only", handler.request.method, handler.request.path,
                                 action, resource)
                return False
            return allowed

    from jupyterhub.spawner import LocalProcessSpawner

    class ClassSpawner(LocalProcessSpawner):
        """LocalProcessSpawner that runs hub user NAME as system user PREFIX+NAME, never root."""

        def _account(self) -> pwd.struct_passwd:
            account = pwd.getpwnam(system_user(self.user.name))   # KeyError: not created
            if account.pw_uid == 0:
                raise PermissionError(f"{account.pw_name} has uid 0: a student's server never "
                                      f"runs as root")
            return account

        def make_preexec_fn(self, name: str) -> Any:
            from jupyterhub.spawner import set_user_setuid
            return set_user_setuid(self._account().pw_name)

        def user_env(self, env: dict) -> dict:
            account = self._account()
            env.update(USER=account.pw_name, HOME=account.pw_dir, SHELL=account.pw_shell)
            return env

        async def start(self) -> Any:
            try:
                self._account()
            except KeyError:
                raise RuntimeError(
                    f"no system user {system_user(self.user.name)} for {self.user.name}: "
                    f"run `python -m initlab.serving.hub create-users NAMES-FILE` as root") from None
            return await super().start()


def create_users(names: Sequence[str], homes: str | Path, prefix: str) -> list[str]:
    """Make a system user PREFIX+NAME for every name (skipping existing ones), home HOMES/that
    user (mode 0700), no login shell; returns the accounts made.  Needs root."""
    made = []
    Path(homes).mkdir(parents=True, exist_ok=True)
    for name in names:
        account = system_user(name, prefix)
        try:
            pwd.getpwnam(account)
            continue
        except KeyError:
            pass
        home = Path(homes) / account
        subprocess.run(["useradd", "--system", "--user-group", "--create-home", "--home-dir",
                        str(home), "--shell", NOLOGIN, account], check=True)
        home.chmod(0o700)
        made.append(account)
    return made


def remove_users(names: Sequence[str], prefix: str) -> list[str]:
    """Delete the system users PREFIX+NAME and their homes; returns the accounts removed."""
    removed = []
    for name in names:
        account = system_user(name, prefix)
        try:
            pwd.getpwnam(account)
        except KeyError:
            continue
        subprocess.run(["userdel", "--remove", account], check=True, capture_output=True)
        removed.append(account)
    return removed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m initlab.serving.hub",
                                     description="Make or remove the class's system users.")
    parser.add_argument("action", choices=("create-users", "remove-users"))
    parser.add_argument("names", help="the class list: one student name per line")
    parser.add_argument("--prefix", default=os.environ.get(PREFIX_VARIABLE, DEFAULT_PREFIX))
    parser.add_argument("--homes", default=os.environ.get(HOMES_VARIABLE, DEFAULT_HOMES))
    args = parser.parse_args(argv)
    try:
        names = read_names(args.names)
    except (OSError, ValueError) as error:
        print(f"initlab: {error}", file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("initlab: making system users needs root (sudo)", file=sys.stderr)
        return 1
    if args.action == "create-users":
        done = create_users(names, args.homes, args.prefix)
    else:
        done = remove_users(names, args.prefix)
    print(f"{args.action}: {', '.join(done) or 'nothing to do'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
