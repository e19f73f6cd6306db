"""Binder: repo2docker's own reading of binder/ (no Docker needed with --no-build), and a README
whose links all lead somewhere (no placeholder owner)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def repo2docker() -> str:
    found = shutil.which("jupyter-repo2docker") or str(Path(sys.executable).parent /
                                                        "jupyter-repo2docker")
    if not Path(found).exists():
        pytest.skip("jupyter-repo2docker is missing: pip install -e '.[test]' installs it")
    return found


def test_repo2docker_builds_python_311_with_this_package_and_the_start_script():
    out = subprocess.run([repo2docker(), "--no-build", "--debug", "--no-run", str(ROOT)],
                         capture_output=True, text=True, timeout=300)
    dockerfile = out.stdout + out.stderr
    assert out.returncode == 0, dockerfile[-2000:]
    assert re.search(r"python=?3\.11|PYTHON_VERSION=3\.11", dockerfile), "runtime.txt ignored"
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in dockerfile
    assert 'R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in dockerfile
    assert (ROOT / "binder" / "requirements.txt").read_text().splitlines()[-1].strip() == "."


def test_binder_links_for_a_copy_point_at_files_that_exist():
    out = subprocess.run(["make", "-s", "binder-links", "REPO=someone/initlab"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    paths = re.findall(r"urlpath=(?:voila/render|lab/tree)/([^)\s]+)", out)
    assert len(paths) == 2 and all((ROOT / p).exists() for p in paths), paths
    assert "mybinder.org/v2/gh/someone/initlab/HEAD" in out


def test_readme_links_lead_somewhere():
    text = (ROOT / "README.md").read_text()
    anchors = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
               for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        assert "OWNER" not in target and "YOU/" not in target, target   # no placeholder owner
        if target.startswith("#"):
            assert target[1:] in anchors, target
        elif not re.match(r"https?://", target):
            assert (ROOT / target.split("#")[0]).exists(), target
