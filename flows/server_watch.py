"""Whether a flow run's Prefect server still answers (no Prefect import: httpx asks its health endpoint)."""

from __future__ import annotations

import threading
import time

import httpx


class ServerGone(RuntimeError):
    """The Prefect server stopped answering during a run: what was stored stays stored."""


class ServerWatch:
    """Whether the flow run's Prefect server still answers, asked before each step (at most once a
    `every` seconds). Prefect's client would retry for minutes and its task runs carry on without
    the server, reporting nothing; a run whose server is gone stops at its next step instead."""

    def __init__(self, url: str | None, every: float = 1.0, timeout: float = 3.0) -> None:
        self.url, self.every, self.timeout = url, every, timeout
        self._asked = -every
        self._lock = threading.Lock()

    def check(self) -> None:
        if not self.url:
            return
        with self._lock:
            if time.monotonic() - self._asked < self.every:
                return
            self._asked = time.monotonic()
            try:
                httpx.get(f"{self.url.rstrip('/')}/health", timeout=self.timeout).raise_for_status()
            except httpx.HTTPError as exc:
                raise ServerGone(server_gone(self.url)) from exc


def server_gone(url: str) -> str:
    return (
        f"Prefect 服务器（{url}）已断开，运行已停止：已入库的报表和已写出的回执都已保存；"
        "请启动服务器（prefect server start）后重新运行，会从未读取的文件接着做"
    )
