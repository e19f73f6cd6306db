"""Fixtures for end-to-end tests: real Voila servers driven by Debian's headless Chromium.

- ``voila_servers(notebook=None) -> base URL``: one server per notebook (default: the lab app),
  started on a free 127.0.0.1 port on first use, stopped with its kernels at the end of the session.
- ``voila_server``: the base URL of the lab app.
- ``browser``: Playwright's Chromium (the system binary: no browser download is possible here).
- ``page``: a fresh page; after each test a screenshot goes to artifacts/e2e/<test>.png and, when the
  test failed, the browser console to artifacts/e2e/<test>.console.txt.
Every test in this folder is marked ``e2e`` (deselect with ``-m "not e2e"``).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from initlab.serving import serve

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "e2e"
CHROMIUM = os.environ.get("INITLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
                 # Only loopback exists here: make CDN fetches (Voila's icon font) fail at once.
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
TIMEOUT_MS = 60_000


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item so `page` knows whether the test failed.
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def voila_servers():
    """Factory: ``voila_servers(notebook=None)`` -> base URL of a server for that notebook."""
    from contextlib import ExitStack
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    urls: dict[Path, str] = {}
    with ExitStack() as stack:
        def start(notebook: str | Path | None = None) -> str:
            path = Path(notebook).resolve() if notebook else serve.app_notebook()
            if path not in urls:
                log = stack.enter_context(open(ARTIFACTS / f"voila-{path.stem}.log", "w"))
                # the app is served as `initlab serve` serves it: with preheated kernels
                pool = serve.DEFAULT_POOL_SIZE if path == serve.app_notebook() else 0
                urls[path] = stack.enter_context(serve.voila_server(path, log=log,
                                                                    pool_size=pool))
            return urls[path]
        yield start


@pytest.fixture(scope="session")
def voila_server(voila_servers) -> str:
    """Base URL of a Voila server running the lab app notebook."""
    return voila_servers()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: apt-get install chromium (make test does it as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"[{msg.type}] {msg.text}"))
    page.on("pageerror", lambda err: console.append(f"[pageerror] {err}"))
    yield page
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    except Exception as err:  # a crashed page must not hide the test's own failure
        console.append(f"[screenshot failed] {err}")
    failed = any(getattr(getattr(request.node, f"report_{when}", None), "failed", False)
                 for when in ("setup", "call"))
    if failed:
        (ARTIFACTS / f"{name}.console.txt").write_text("\n".join(console) + "\n")
    context.close()
