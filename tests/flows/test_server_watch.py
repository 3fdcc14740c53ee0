"""A flow run whose Prefect server goes away stops at its next step (flows/server_watch.py)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from flows.server_watch import ServerGone, ServerWatch


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/api/health" else 404)
        self.end_headers()
        self.wfile.write(b"true")

    def log_message(self, *args) -> None:
        pass


def test_the_watch_passes_while_the_server_answers_and_stops_the_run_once_it_is_gone():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    watch = ServerWatch(f"http://127.0.0.1:{server.server_address[1]}/api/", every=0.05)
    watch.check()
    server.shutdown()
    server.server_close()
    time.sleep(0.06)
    start = time.monotonic()
    with pytest.raises(ServerGone, match="已断开，运行已停止：已入库的报表和已写出的回执都已保存"):
        watch.check()
    assert time.monotonic() - start < 3


def test_the_watch_asks_at_most_once_a_period_and_not_without_a_server():
    ServerWatch(None).check()  # a run with no server (the ephemeral API) has nothing to watch
    watch = ServerWatch("http://127.0.0.1:9/api", every=60)
    watch._asked = time.monotonic()  # asked a moment ago: not again until a minute has passed
    watch.check()
