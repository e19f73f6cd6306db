"""Serving a class, seen from a student's browser: nothing leaves 127.0.0.1, a hostile link runs no
script, a dead kernel, a stopped server or a silent heartbeat shows a banner (and a server without
the heartbeat route none), and closing the tab ends the kernel.

Kept lean (each page load costs seconds on a shared 2-core machine): seven page loads in all.
"""
from __future__ import annotations

import json
import os
import signal
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlparse

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from helpers import LOAD_MS, control, open_app, tab, type_into_slider, wait_last

from initlab.serving import serve

ASSETS = Path(__file__).resolve().parents[1] / "assets"
THEME_ATTACK = '?theme=x"><img src=x onerror="alert(1)">&init=gaussian&weight_std=100&depth=20' \
               '&residual=true'
BANNER = "#initlab-banner"


def kernel_id(page) -> str:
    """The page's kernel, from the page config Voila writes into it."""
    return json.loads(page.eval_on_selector("#jupyter-config-data",
                                            "e => e.textContent"))["kernelId"]


def kernel_pid(kernel: str) -> int | None:
    """The process of a kernel (initlab.serving.serve.kernel_pids), or None when it is gone."""
    return next(iter(serve.kernel_pids([kernel])), None)


def wait_for(condition, timeout: float) -> float:
    """Seconds until condition() is true; AssertionError after `timeout`."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, f"not within {timeout} s"
        time.sleep(0.1)
    return time.monotonic() - start


def test_a_hostile_link_runs_no_script_leaks_nothing_and_fetches_only_from_loopback(
        page, voila_server):
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_app(page, voila_server, quote(THEME_ATTACK, safe="?=&"))
    tab(page, "network")
    type_into_slider(page, "depth", "4")                          # the lab runs: a redraw
    wait_last(page, "h.title.startsWith('layer 4')")
    # A second round trip: the kernel's output reaches the page in order, so whatever the first
    # redraw printed (a late warning included) has arrived once the second redraw shows.
    type_into_slider(page, "depth", "5")
    wait_last(page, "h.title.startsWith('layer 5')")
    assert dialogs == []
    assert page.locator("img[src=x]").count() == 0
    body = page.inner_text("body")
    for leak in ("site-packages", "Traceback", "RuntimeWarning", "/initlab/"):
        assert leak not in body, leak
    assert page.locator(".jp-RenderedText[data-mime-type*=stderr]").count() == 0
    outside = [u for u in requests if urlparse(u).hostname not in ("127.0.0.1", None)
               and not u.startswith(("data:", "blob:"))]
    assert outside == [], outside
    # The icons come from voila.js's own Font Awesome, not a CDN.
    family = page.evaluate("() => getComputedStyle(document.querySelector('.fa-play'), "
                           "'::before').fontFamily")
    assert "Font Awesome" in family


def test_a_dead_kernel_shows_a_banner_within_seconds(page, voila_server):
    open_app(page, voila_server)
    assert page.locator(BANNER).count() == 0
    pid = kernel_pid(kernel_id(page))
    assert pid, "the page's kernel process was not found"
    os.kill(pid, signal.SIGKILL)                                   # as the OOM killer would
    started = time.monotonic()
    page.wait_for_selector(BANNER, timeout=15_000)
    seconds = time.monotonic() - started
    assert "reload the page" in page.inner_text(BANNER)
    print(f"banner {seconds:.1f} s after the kernel was killed")
    assert seconds < 10


def test_closing_the_tab_shuts_its_kernel_down(page, voila_server):
    open_app(page, voila_server)
    pid = kernel_pid(kernel_id(page))
    assert pid
    started = time.monotonic()
    page.close(run_before_unload=True)                             # Voila's shutdown beacon
    seconds = wait_for(lambda: not os.path.exists(f"/proc/{pid}"), timeout=20)
    print(f"kernel gone {time.monotonic() - started:.1f} s after the tab closed")
    assert seconds < 10


@contextmanager
def own_page(browser):
    """A page in a browser context of its own, closed at the end."""
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


@contextmanager
def slider_server(page, tmp_path: Path):
    """A Voila server of its own serving the slider notebook, loaded in `page`: its base URL.
    The server stops when the block ends; the page stays open."""
    with open(tmp_path / "voila.log", "w") as log, \
            serve.voila_server(ASSETS / "slider.ipynb", log=log) as base:
        page.goto(base, timeout=LOAD_MS)
        control(page, "depth").wait_for(timeout=LOAD_MS)
        yield base


def test_a_stopped_server_shows_the_lost_connection_banner(browser, tmp_path):
    with own_page(browser) as page:
        with slider_server(page, tmp_path):
            pass
        started = time.monotonic()                                  # the server is stopped
        page.wait_for_selector(BANNER, timeout=15_000)
        assert "lost its connection" in page.inner_text(BANNER)
        assert time.monotonic() - started < 10



BANNER_TIME_JS = """() => { window.__bannerAt = 0;
  new MutationObserver(() => { if (!window.__bannerAt && document.querySelector('#initlab-banner'))
    window.__bannerAt = Date.now(); }).observe(document.body, {childList: true}); }"""


def test_a_hung_server_shows_the_banner_within_a_second(browser, tmp_path):
    # A stopped (SIGSTOP) server closes no socket: only the heartbeat can tell the page.
    with own_page(browser) as page, slider_server(page, tmp_path) as base:
        page.wait_for_function("window.initlabBanner.heard()")   # the beats are counted
        page.evaluate(BANNER_TIME_JS)
        pid = serve.server_pids(base)[0]
        stopped = time.time()
        os.kill(pid, signal.SIGSTOP)
        try:
            page.wait_for_selector(BANNER, timeout=10_000)
            shown = page.evaluate("window.__bannerAt") / 1000 - stopped
            said = page.inner_text(BANNER)
        finally:
            os.kill(pid, signal.SIGCONT)
        assert "lost its connection" in said
        print(f"banner {shown:.2f} s after the server stopped")
        assert shown < 1.0
        page.wait_for_selector(BANNER, state="detached", timeout=10_000)  # beats are back


def test_a_server_that_never_beats_shows_the_banner(page, voila_servers):
    # A server hung before its first beat (or a socket that opens and stays silent) once left
    # the page waiting for ever: the banner only counted from a first beat.  Here the heartbeat
    # socket is answered by a mock that never beats.
    page.route_web_socket("**/initlab/heartbeat", lambda socket: None)
    page.goto(voila_servers(ASSETS / "slider.ipynb"), timeout=LOAD_MS)
    control(page, "depth").wait_for(timeout=LOAD_MS)
    page.wait_for_selector(BANNER, timeout=15_000)
    assert "lost its connection" in page.inner_text(BANNER)


def test_a_server_without_the_heartbeat_route_shows_no_banner(page, voila_servers):
    # Voila elsewhere (no /initlab/heartbeat: the socket closes before any beat) is no lost server.
    page.route_web_socket("**/initlab/heartbeat", lambda socket: socket.close(code=1011))
    page.goto(voila_servers(ASSETS / "slider.ipynb"), timeout=LOAD_MS)
    control(page, "depth").wait_for(timeout=LOAD_MS)
    try:
        page.wait_for_selector(BANNER, timeout=8_000)      # longer than the first beat's 5 s
    except PlaywrightTimeout:
        return
    raise AssertionError(f"a banner without cause: {page.inner_text(BANNER)}")


def test_copy_link_keeps_the_class_token(page, monkeypatch):
    from initlab.core.config import Config
    from initlab.ui.share import ShareLink
    monkeypatch.setenv("VOILA_KERNEL_ID", "x")                # as in a served page
    share = ShareLink()
    share.show(Config(depth=4))
    lab = "http://127.0.0.1:9/?token=s%26x%23y&depth=5"       # served by the route, no server
    page.route("http://127.0.0.1:9/**", lambda route: route.fulfill(
        body=share.widget.value, content_type="text/html"))
    page.goto(lab)
    page.click("button.il-copy-link")
    link = page.input_value("input.il-link")
    assert "token=s%26x%23y" in link and "depth=4" in link and "depth=5" not in link, link
