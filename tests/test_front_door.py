"""The README's commands exist and do what it says, and its links and pictures resolve.

Every `make TARGET VAR=value` the README or a doc of the front door names is dry-run (`make -n`,
nothing is installed or started) with a throw-away VENV: the target must exist and each value
given must reach the command it configures.  Every `initlab ...` command line parses.
"""
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from initlab.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
FRONT_DOOR = ["README.md", "docs/guide.md", "docs/teaching.md", "docs/performance.md",
              "notebooks/README.md"]
MAKE = re.compile(r"^make((?: [A-Z_]+=\S+)*) ([a-z][\w-]*)((?: [A-Z_]+=\S+)*)")


def text(name: str) -> str:
    return (ROOT / name).read_text()


def code(body: str) -> list[str]:
    """The inline code spans and the indented code lines of a Markdown page."""
    spans = re.findall(r"`([^`\n]+)`", body)
    return spans + [line.strip() for line in re.findall(r"^ {4}(\S.*)$", body, flags=re.M)]


def make_commands() -> list[tuple[str, str, tuple[str, ...]]]:
    found = set()
    for name in FRONT_DOOR:
        for snippet in code(text(name)):
            match = MAKE.match(snippet)
            if match:
                before, target, after = match.groups()
                found.add((name, target, tuple((before + after).split())))
    return sorted(found)


def dry_run(target: str, assignments, tmp_path: Path) -> str:
    cmd = ["make", "-n", "--no-print-directory", target, f"VENV={tmp_path / 'venv'}", *assignments]
    # as a student types it: `make test` runs this test, and its MAKEFLAGS/MAKELEVEL would make
    # the inner make print "Entering directory" lines around the commands
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, f"{shlex.join(cmd)} failed: {done.stderr}"
    # a folder of the same name (notebooks/) makes a missing rule "up to date", not an error
    assert "Nothing to be done" not in done.stdout + done.stderr, f"{shlex.join(cmd)}: no rule"
    assert done.stdout.strip(), f"{shlex.join(cmd)} runs nothing"
    return done.stdout


def test_the_front_door_names_the_four_commands():
    readme = text("README.md")
    for command in ("make lab", "make notebooks", "make test", "make binder-links"):
        assert command in readme, command


@pytest.mark.parametrize("where,target,assignments", make_commands(),
                         ids=lambda v: v if isinstance(v, str) else " ".join(v) or "-")
def test_a_make_command_in_the_docs_is_a_target_and_takes_its_values(where, target,
                                                                       assignments, tmp_path):
    out = dry_run(target, assignments, tmp_path)
    for assignment in assignments:
        value = assignment.split("=", 1)[1]
        assert value in out, f"{where}: make {target} {assignment} does not reach the command"


def test_make_lab_installs_the_app_alone_and_make_test_the_rest(tmp_path):
    lab = dry_run("lab", [], tmp_path)
    assert "pip install --quiet -e .\n" in lab and "[test" not in lab
    assert "initlab serve --port 8866" in lab
    notebooks = dry_run("notebooks", [], tmp_path)
    assert "pip install --quiet -e .\n" in notebooks and "jupyter lab" in notebooks
    assert notebooks.rstrip().endswith("notebooks/") and (ROOT / "notebooks").is_dir()
    test = dry_run("test", [], tmp_path)
    assert "pip install --quiet -e '.[test,hub]'" in test and "pytest tests/" in test


def test_initlab_command_lines_parse():
    lines = [snippet.split("#")[0] for name in FRONT_DOOR for snippet in code(text(name))
             if snippet.startswith("initlab serve")]
    assert len(lines) >= 2, lines                  # the README's and the lesson plan's
    for line in lines:
        build_parser().parse_args(shlex.split(line)[1:])      # exits (SystemExit) if it doesn't


@pytest.mark.parametrize("where", FRONT_DOOR)
def test_links_and_pictures_resolve(where):
    page = ROOT / where
    body = text(where)
    anchors = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
               for h in re.findall(r"^#+ (.+)$", body, flags=re.M)}
    for target in re.findall(r"\]\(([^)\s]+)\)", body):
        if re.match(r"https?://", target):
            continue
        path, _, anchor = target.partition("#")
        if not path:
            assert anchor in anchors, f"{where}: #{anchor}"
            continue
        assert (page.parent / path).exists(), f"{where}: {target}"


def test_the_readme_points_at_every_doc_of_the_front_door():
    readme = text("README.md")
    for doc in ("docs/guide.md", "docs/teaching.md", "docs/performance.md", "docs/deploy.md",
                "docs/lessons.md", "notebooks/README.md"):
        assert f"]({doc})" in readme, doc
    assert len(re.findall(r"!\[[^\]]*\]\(docs/[\w.-]+\.png\)", readme)) >= 1


def test_the_readme_counts_the_assistants_cases_as_the_table_has_them():
    """The README's count of the diagnosis cases is the table's (it said 55 after 13 were added)."""
    from initlab.lessons.diagnosis_cases import CASES
    text = (ROOT / "README.md").read_text()
    assert f"what it says for {len(CASES)} cases" in text


def test_the_guide_names_every_finding_code_the_assistant_has():
    """docs/guide.md lists the codes a finding can have; it had fallen four behind."""
    from initlab.core.diagnose import CODES
    text = (ROOT / "docs" / "guide.md").read_text()
    assert [code for code in CODES if f"`{code}`" not in text] == []
