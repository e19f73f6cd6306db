"""A class server's hygiene: it dies whole, every websocket needs the token, the printed link
survives any token, a served folder ends at its own edge, and the pages get a heartbeat.
Real servers on 127.0.0.1 with tiny notebooks (no browser)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from serving_client import get, open_page, raw_websocket, wait_for

from initlab.serving import serve

ASSETS = Path(__file__).parent / "assets"
ECHO = ASSETS / "echo_environment.ipynb"


def children(pid: int) -> list[int]:
    """Processes whose parent is pid (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_kill_9_on_initlab_serve_takes_voila_and_its_kernels_with_it(tmp_path):
    port = serve.free_port()
    output = tmp_path / "serve.log"
    with open(output, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "initlab", "serve", str(ECHO),
                                    "--port", str(port), "--pool-size", "0"],
                                   stdout=log, stderr=subprocess.STDOUT)
    voila: list[int] = []
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for(lambda: url in output.read_text() or process.poll() is not None, 60, "serving")
        kernel = open_page(url)
        voila = children(process.pid)
        kernels = serve.kernel_pids([kernel])
        assert voila and kernels
        process.kill()                                         # kill -9: no handler runs
        process.wait()
        wait_for(lambda: not any(running(p) for p in voila + kernels), 20,
                 "Voila and its kernel gone")
        assert serve.port_is_free(port)
    finally:
        for pid in voila:
            if running(pid):
                os.kill(pid, signal.SIGKILL)


def test_every_websocket_route_needs_the_token():
    token = "class secret&#"
    with serve.voila_server(ECHO, token=token, pool_size=1) as base:
        kernel = open_page(base, "?token=" + quote(token, safe=""))
        for path in (f"/voila/query/{kernel}", f"/api/kernels/{kernel}/channels",
                     "/initlab/heartbeat"):
            _, refused = raw_websocket(base, kernel, path=path)
            assert " 403 " in refused.split("\r\n")[0], (path, refused)
            sock, accepted = raw_websocket(base, kernel,
                                           path=f"{path}?token={quote(token, safe='')}")
            sock.close()
            assert " 101 " in accepted.split("\r\n")[0], (path, accepted)


def test_the_printed_link_url_encodes_the_token():
    assert serve.class_link("127.0.0.1", 8866, "a&b#c d/é") == \
        "http://127.0.0.1:8866/?token=a%26b%23c%20d%2F%C3%A9"
    assert serve.class_link("127.0.0.1", 8866) == "http://127.0.0.1:8866/"


def test_a_served_folder_does_not_follow_symlinks_out_of_it(tmp_path):
    served, outside = tmp_path / "class", tmp_path / "private"
    served.mkdir(), outside.mkdir()
    shutil.copy(ECHO, served / "echo_environment.ipynb")
    shutil.copy(ECHO, outside / "secret.ipynb")
    (outside / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (served / "inside").mkdir()
    (served / "inside" / "ok.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (served / "out").symlink_to(outside, target_is_directory=True)
    (served / "secret.ipynb").symlink_to(outside / "secret.ipynb")
    with serve.voila_server(served) as base:
        status, _, listing = get(base + "voila/api/contents")       # what the tree page lists
        assert status == 200 and "echo_environment.ipynb" in listing and '"inside"' in listing
        assert "secret" not in listing and '"out"' not in listing, listing
        for path in ("voila/tree/out", "voila/render/out/secret.ipynb",
                     "voila/render/secret.ipynb", "voila/files/out/secret.png"):
            assert get(base + path)[0] in (403, 404), path
        assert get(base + "voila/files/inside/ok.png")[0] == 200


def test_pages_get_a_heartbeat_a_few_times_a_second():
    import socket
    with serve.voila_server(ECHO) as base:
        sock, answer = raw_websocket(base, "", path="/initlab/heartbeat", protocol=None)
        assert " 101 " in answer
        sock.settimeout(0.1)
        beats, started = 0, time.monotonic()
        while time.monotonic() - started < 1.5:
            try:
                beats += sock.recv(64).count(b"\x81\x011")          # a text frame "1"
            except socket.timeout:
                pass
        sock.close()
        assert beats >= 3
