"""`serve` for real: a Prefect server started by the test, `python -m flows serve` in a subprocess,
files dropped into the inbox while it runs."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import clean_values, form_bytes, valid_uscc
from tests.flows.test_delivery import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def wait_for(predicate, timeout: float, what: str) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def prefect_server(tmp_path):
    port = free_port()
    env = os.environ | {
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def healthy() -> bool:
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2).status == 200
        except OSError:
            return False

    try:
        wait_for(healthy, 120, "the Prefect server")
        yield env | {"PREFECT_API_URL": f"http://127.0.0.1:{port}/api", "PREFECT_RUNNER_POLL_FREQUENCY": "2"}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


def test_served_scan_takes_each_file_once_waits_for_half_copied_ones_and_survives_a_restart(
    prefect_server, tmp_path, schema
):
    config = tmp_path / "config.toml"
    config.write_text(
        '[paths]\ninbox = "inbox"\noutputs = "out"\nreceipts = "回执"\nstore = "data/r.sqlite"\narchive = "data/orig"\n'
        "[intake]\nsettle_seconds = 2\n[schedule]\nscan_every_minutes = 0.1\n",
        encoding="utf-8",
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()

    def start_serve(name: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "flows", "serve", "--config", str(config)],
            cwd=ROOT,
            env=prefect_server | {"PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "INFO"},
            stdout=(tmp_path / name).open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(process: subprocess.Popen, how: signal.Signals = signal.SIGINT) -> None:
        os.killpg(process.pid, how)
        # Prefect's runner waits for a scan that was starting when SIGINT came; late in the full
        # suite on this 2-vCPU machine that start alone has taken over a minute (seen in CI, issue 5 note)
        process.wait(150)

    serve = start_serve("serve.log")
    try:
        (inbox / "a.xlsx").write_bytes(form_bytes(schema, clean_values()))
        wait_for(lambda: (tmp_path / "回执/a_回执.xlsx").exists(), 150, "the first receipt")
        # a copy in progress: it keeps growing for a while and must not be read until it stops
        second = form_bytes(schema, clean_values() | {"uscc": valid_uscc("31440000MD0222222")})
        partial = inbox / "b.xlsx"
        partial.write_bytes(second[:200])
        for _ in range(16):  # 8 s of growth: at least one scan (every 6 s) sees it half-copied
            time.sleep(0.5)
            with partial.open("ab") as handle:
                handle.write(b"\0")
            assert not (tmp_path / "回执/b_回执.xlsx").exists()
        partial.write_bytes(second)
        wait_for(lambda: (tmp_path / "回执/b_回执.xlsx").exists(), 150, "the second receipt")
        time.sleep(7)  # at least one more scan (every 6 s) passes: nothing is read twice
    finally:
        stop(serve)
    # stopped: the schedules stay active, and a scan that falls due meanwhile runs when serve is back
    api = prefect_server["PREFECT_API_URL"]
    for name in ("intake/inbox-scan", "report/semiannual-report"):
        deployment = json.load(urllib.request.urlopen(f"{api}/deployments/name/{name}", timeout=10))
        assert deployment["paused"] is False and all(s["active"] for s in deployment["schedules"])
    (inbox / "c.xlsx").write_bytes(form_bytes(schema, clean_values() | {"uscc": valid_uscc("31440000MD0333333")}))
    time.sleep(7)  # a scan (every 6 s) falls due while serve is stopped
    assert not (tmp_path / "回执/c_回执.xlsx").exists()
    serve = start_serve("serve-again.log")
    try:
        wait_for(lambda: (tmp_path / "回执/c_回执.xlsx").exists(), 150, "the receipt after the restart")
    finally:
        stop(serve, signal.SIGTERM)  # as systemd stops it
    for name in ("serve.log", "serve-again.log"):  # nothing but our lines and Prefect's, however it was stopped
        log = (tmp_path / name).read_text(encoding="utf-8")
        assert "never awaited" not in log and "RuntimeWarning" not in log and "Traceback" not in log, log[-3000:]
    db = sqlite3.connect(tmp_path / "data/r.sqlite")
    assert sorted(db.execute("SELECT path, outcome FROM files").fetchall()) == [
        ("a.xlsx", "processed"),
        ("b.xlsx", "processed"),
        ("c.xlsx", "processed"),
    ]
    assert db.execute("SELECT COUNT(*), SUM(status = 'accepted') FROM returns").fetchone() == (3, 3)
