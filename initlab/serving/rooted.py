"""A served folder is the whole world: nothing reached through a symlink that leads out of it.

Jupyter Server's file manager keeps API paths inside its root by their spelling only, so a
symlink in the served folder (``etc -> /etc``) was listed and opened like any folder, and Voila's
file route served what it pointed to.  Both check the resolved path here.
"""
from __future__ import annotations

import os
from typing import Any

from jupyter_core.paths import is_file_hidden
from jupyter_server.services.contents.largefilemanager import LargeFileManager
from tornado.web import HTTPError
from voila.static_file_handler import AllowListFileHandler


def inside(root: str, os_path: str) -> bool:
    """True when os_path, with every symlink resolved, lies in root (resolved too)."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(os_path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


class RootedFileManager(LargeFileManager):
    """Jupyter Server's file manager that lists and opens nothing resolving outside its root."""

    def _get_os_path(self, path: str) -> str:
        os_path = super()._get_os_path(path)
        if not inside(self.root_dir, os_path):
            raise HTTPError(404, "No such file or directory")
        return os_path

    def _dir_model(self, path: str, content: bool = True) -> dict:
        model = super()._dir_model(path, content=False)
        if content:
            os_dir = self._get_os_path(path)
            entries = []
            for name in sorted(os.listdir(os_dir)):
                os_path = os.path.join(os_dir, name)
                if not inside(self.root_dir, os_path) or not self.should_list(name):
                    continue
                try:
                    if self.allow_hidden or not is_file_hidden(os_path):
                        entries.append(self.get(path=f"{path}/{name}", content=False))
                except (HTTPError, OSError):      # broken links, special files, no permission
                    continue
            model["content"], model["format"] = entries, "json"
        return model


class RootedFileHandler(AllowListFileHandler):
    """Voila's /voila/files/ route (images a notebook shows), refusing symlinks out of the root."""

    def validate_absolute_path(self, root: str, absolute_path: str) -> Any:
        if not inside(root, absolute_path):
            raise HTTPError(403, "Outside the served folder")
        return super().validate_absolute_path(root, absolute_path)
