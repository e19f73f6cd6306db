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

from serving_client import get, in_own_thread, open_page, raw_websocket, wait_for

from initlab.serving import serve

ASSETS = Path(__file__).parent / "assets"
ECHO = ASSETS / "echo_environment.ipynb"


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
        voila = serve.child_pids(process.pid)
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


def test_a_notebook_that_asks_for_nothing_still_gets_a_capped_kernel():
    with serve.voila_server(ASSETS / "limits.ipynb", max_mb_per_student=100) as base:
        assert "address_space_limited=[True]" in get(base)[2]


LEAKS = ("Traceback", "site-packages", "File \"", "/initlab/", str(Path.home()))


def crafted_messages(control: str, models: list[str]) -> list[tuple[str, dict]]:
    """Widget messages a hostile page can send: wrong types, unknown methods and models."""
    sent = []
    for model in models + ["no-such-comm"]:
        for data in ({"method": "update", "state": {"value": "abc"}, "buffer_paths": []},
                     {"method": "update", "state": {"layout": "IPY_MODEL_x"},
                      "buffer_paths": [["x"]]},
                     {"method": "bogus"}, None, {"method": "custom", "content": 5}):
            sent.append(("comm_msg", {"comm_id": model, "data": data}))
    sent += [("comm_open", {"comm_id": "c1", "target_name": "jupyter.widget",
                            "data": {"state": {"_model_name": "Nope"}}}),
             ("comm_open", {"comm_id": "c2", "target_name": "jupyter.widget.control",
                            "data": {}}),
             ("comm_msg", {"comm_id": control, "data": {"method": "nothing"}}),
             ("comm_msg", {"comm_id": 5, "data": 7})]
    return sent


def test_crafted_widget_messages_get_no_traceback_or_server_path_back():
    import asyncio
    import json
    import re
    import uuid

    from jupyter_server.services.kernels.connection.base import (deserialize_msg_from_ws_v1,
                                                                 serialize_msg_to_ws_v1)
    from serving_client import PROTOCOL
    from tornado.websocket import websocket_connect

    def wire(msg_type: str, content: dict, metadata: dict | None = None) -> bytes:
        header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": "s",
                  "username": "u", "version": "5.3", "date": "2026-01-01T00:00:00Z"}
        return serialize_msg_to_ws_v1([json.dumps(header).encode(), b"{}",
                                       json.dumps(metadata or {}).encode(),
                                       json.dumps(content).encode()], "shell")

    async def probe(base: str, kernel: str) -> list[str]:
        ws = await websocket_connect(base.replace("http", "ws", 1) +
                                     f"api/kernels/{kernel}/channels?session_id=p",
                                     subprotocols=[PROTOCOL])
        control = uuid.uuid4().hex
        await ws.write_message(wire("comm_open", {"comm_id": control, "data": {},
                                                  "target_name": "jupyter.widget.control"},
                                    {"version": "1.0.0"}), binary=True)
        await ws.write_message(wire("comm_msg", {"comm_id": control,
                                                 "data": {"method": "request_states"}}),
                               binary=True)
        models: list[str] = []
        while not models:
            raw = await asyncio.wait_for(ws.read_message(), 30)
            models = re.findall(r'"([0-9a-f]{32})": \{"model_name"',
                                raw.decode(errors="replace"))
        for msg_type, content in crafted_messages(control, models):
            await ws.write_message(wire(msg_type, content), binary=True)
        await ws.write_message(wire("comm_info_request", {}), binary=True)
        answers = []
        while True:                                   # until the last request is answered
            raw = await asyncio.wait_for(ws.read_message(), 30)
            channel, parts = deserialize_msg_from_ws_v1(raw)
            text = b"".join(parts[:4]).decode(errors="replace")
            answers.append(text)
            if '"comm_info_reply"' in text:
                break
        ws.close()
        return answers

    with serve.voila_server(ASSETS / "slider.ipynb") as base:
        answers = in_own_thread(asyncio.run, probe(base, open_page(base)))
    assert len(answers) > 10
    leaked = [a[:300] for a in answers if any(leak in a for leak in LEAKS)]
    assert leaked == []
