"""The real CLI, as a user runs it: `python -m flows ...`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(
    *args: str, cwd: Path = ROOT, config: Path | None = None, api: str | None = None
) -> subprocess.CompletedProcess:
    """The CLI in a subprocess; with `api`, its flows use that Prefect server (the session's harness)
    instead of starting a temporary one of their own (≈7 s)."""
    cmd = [sys.executable, "-m", "flows", *args]
    if config is not None:
        cmd += ["--config", str(config)]
    env = os.environ | {"PYTHONPATH": str(ROOT)} | ({"PREFECT_API_URL": api} if api else {})
    env.pop("RTR_DEBUG", None)
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def _unfinished():
    """The half-year that is running today, in the configured time zone."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from rtr.form.periods import Period

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return Period(today.year, 1 if today.month <= 6 else 2)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        '[paths]\ninbox = "inbox"\noutputs = "out"\nreceipts = "out/回执"\nstore = "data/r.sqlite"\narchive = "data/originals"\n'
        "[intake]\nsettle_seconds = 0.2\n",
        encoding="utf-8",
    )
    return path


def test_help_lists_commands_and_each_has_an_example():
    top = run("--help")
    assert top.returncode == 0
    for command in ("template", "sample", "intake"):
        assert command in top.stdout
        sub = run(command, "--help")
        assert sub.returncode == 0 and "示例" in sub.stdout and "python -m flows" in sub.stdout


def test_template_sample_intake(tmp_path, config, harness):
    out = tmp_path / "form.xlsx"
    assert run("template", "--out", str(out), config=config).returncode == 0
    assert out.stat().st_size > 5000
    made = run(
        "sample",
        "--period",
        "2024H1",
        "--firms",
        "25",
        "--seed",
        "2",
        "--messy",
        "--out",
        str(tmp_path / "inbox"),
        config=config,
    )
    assert made.returncode == 0, made.stderr
    first = run("intake", config=config)  # as a user runs it: no Prefect server, the steps in this process
    assert first.returncode == 0, first.stderr
    last = first.stdout.strip().splitlines()[-1]
    assert last.startswith("新文件") and "报表采用" in last and "无法读取 2 个" in last
    assert (tmp_path / "out/回执").is_dir() and (tmp_path / "data/r.sqlite").exists()
    again = run("intake", config=config, api=harness)
    assert again.stdout.strip().splitlines()[-1].startswith("新文件 0 个")


def test_db_option_overrides_config(tmp_path, config, harness):
    (tmp_path / "inbox").mkdir()
    assert run("intake", "--db", str(tmp_path / "other.sqlite"), config=config, api=harness).returncode == 0
    assert (tmp_path / "other.sqlite").exists() and not (tmp_path / "data/r.sqlite").exists()


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("sample", "--period", "2024Q3", "--firms", "1", "--out", "x"), "报告期"),
        (("intake", "--inbox", "/nonexistent/inbox"), "收件文件夹不存在"),
        (("intake", "--roster", "/nonexistent/名录.xlsx"), "名录"),
        (("nonsense",), "没有这个命令：nonsense"),
        (("sample", "--period", "2024H1", "--firms", "many", "--out", "x"), "--firms 的值不正确：应为整数"),
        (("intake", "--inbx", "x"), "没有这个选项：--inbx（是否想写 --inbox？）"),
        (("sample", "--firms", "3", "--out", "x"), "缺少 --period"),
        (("report", "--period", "2030H1"), "2030年上半年尚未结束"),
        (("send", "--period", "2030H2"), "2030年下半年尚未结束"),
        (("report", "--period", _unfinished().id), f"{_unfinished().label}尚未结束"),
    ],
)
def test_bad_arguments_exit_2_without_traceback(config, tmp_path, args, text):
    (tmp_path / "inbox").mkdir(exist_ok=True)
    result = run(*args, config=config)
    assert result.returncode == 2
    assert text in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    for english in ("Usage:", "Error", "Invalid value", "No such", "Missing option", "╭"):
        assert english not in result.stderr, result.stderr


def test_bad_config_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[rules]\nmin_theme_days = "six"\n', encoding="utf-8")
    result = run("template", "--out", str(tmp_path / "f.xlsx"), config=bad)
    assert result.returncode == 2 and "min_theme_days" in result.stderr and "Traceback" not in result.stderr
    missing = run("template", config=tmp_path / "nope.toml")
    assert missing.returncode == 2 and "找不到配置文件" in missing.stderr


def test_run_failure_exit_1_without_traceback(tmp_path, config):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "damaged.sqlite").write_bytes(b"not a database, " * 64)  # the store file itself is damaged
    result = run("intake", "--db", str(tmp_path / "damaged.sqlite"), config=config)
    assert result.returncode == 1
    assert "运行失败" in result.stderr and "Traceback" not in result.stderr


def test_a_store_path_that_is_a_folder_is_a_configuration_error(tmp_path, config):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "blocked" / "r.sqlite").mkdir(parents=True)
    result = run("intake", "--db", str(tmp_path / "blocked" / "r.sqlite"), config=config)
    assert result.returncode == 2 and "数据库路径是一个文件夹" in result.stderr and "Traceback" not in result.stderr


@contextmanager
def read_only_folder(path: Path):
    """A folder nobody may write in, root included: a read-only tmpfs when run as root (as CI is)."""
    path.mkdir(parents=True)
    if os.geteuid() != 0:
        path.chmod(0o555)
        yield path
        path.chmod(0o755)
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(path)], capture_output=True).returncode:
        pytest.skip("cannot mount a read-only tmpfs here")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def test_a_store_in_a_read_only_folder_is_a_configuration_error(tmp_path, config):
    (tmp_path / "inbox").mkdir()
    with read_only_folder(tmp_path / "locked") as folder:
        result = run("intake", "--db", str(folder / "r.sqlite"), config=config)
    assert result.returncode == 2, result.stderr
    assert "数据库文件夹不可写" in result.stderr and str(folder) in result.stderr and "Traceback" not in result.stderr


def test_roster_option_gives_w10(tmp_path, config, harness):
    import sqlite3

    from rtr.form.schema import default_schema_text, parse_schema
    from tests.conftest import clean_values, form_bytes, grid_bytes, valid_uscc

    schema = parse_schema(default_schema_text())
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.xlsx").write_bytes(form_bytes(schema, clean_values()))
    roster = tmp_path / "名录.xlsx"
    roster.write_bytes(
        grid_bytes(
            [["律所名称", "统一社会信用代码", "所在地市"], ["别的所", valid_uscc("31440000MD0000009"), "广州市"]]
        )
    )
    result = run("intake", "--roster", str(roster), config=config, api=harness)
    assert result.returncode == 0, result.stderr
    rules = sqlite3.connect(tmp_path / "data/r.sqlite").execute("SELECT rule FROM findings").fetchall()
    assert rules == [("W10",)]


def test_send_needs_email_enabled_and_a_report(tmp_path, config):
    result = run("send", "--period", "2024H1", config=config)
    assert result.returncode == 2 and "邮件未启用" in result.stderr
    enabled = tmp_path / "mail.toml"
    enabled.write_text(
        config.read_text(encoding="utf-8") + '[email]\nenabled = true\nhost = "127.0.0.1"\nport = 1\n', encoding="utf-8"
    )
    result = run("send", "--period", "2024H1", config=enabled)
    assert result.returncode == 2 and "请先运行" in result.stderr and "Traceback" not in result.stderr


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_trial_run_leaves_every_configured_folder_as_it_was(tmp_path, config, schema):
    """--inbox/--db/--out move everything the run writes: originals beside the trial store, receipts
    and reports under --out; the configured inbox, outputs, receipts, store and archive stay byte for byte."""
    from rtr.form.periods import Period
    from sample.synthetic import make_sample
    from tests.helpers import drop

    for f in make_sample(schema, ("广州市", "深圳市"), Period(2024, 1), 6, seed=4).files:
        drop(tmp_path / "inbox", f.path, f.data)
    assert run("intake", config=config).returncode == 0  # the real folders, with something in them
    configured = {name: _tree(tmp_path / name) for name in ("inbox", "out", "data")}
    assert configured["out"] and configured["data"]
    for f in make_sample(schema, ("广州市", "深圳市"), Period(2024, 1), 4, seed=5).files:
        drop(tmp_path / "trial/inbox", f.path, f.data)
    trial = tmp_path / "trial"
    report = run(
        "report",
        "--period",
        "2024H1",
        "--no-email",
        "--inbox",
        str(trial / "inbox"),
        "--db",
        str(trial / "t.sqlite"),
        "--out",
        str(trial / "out"),
        config=config,
    )
    assert report.returncode == 0, report.stderr
    intake = run("intake", "--inbox", str(trial / "inbox"), "--db", str(trial / "other/t.sqlite"), config=config)
    assert intake.returncode == 0, intake.stderr
    assert {name: _tree(tmp_path / name) for name in ("inbox", "out", "data")} == configured
    assert (trial / "out/2024H1/summary.json").is_file() and list((trial / "out/回执").rglob("*_回执.xlsx"))
    assert list((trial / "originals/packs").rglob("*.zip")) and list((trial / "other/回执").rglob("*_回执.xlsx"))
    assert "回执也写在其下" in run("report", "--help").stdout


def test_a_report_with_no_accepted_return_writes_its_outputs_but_sends_nothing(tmp_path, config):
    (tmp_path / "inbox").mkdir()
    mail = tmp_path / "mail.toml"
    mail.write_text(
        config.read_text(encoding="utf-8")
        + '[email]\nenabled = true\nhost = "127.0.0.1"\nport = 9\nsecurity = "none"\nsender = "bot@example.org"\n'
        'province_recipients = ["sheng@example.org"]\n',
        encoding="utf-8",
    )
    result = run("report", "--period", "2024H1", config=mail)
    assert result.returncode == 1 and "2024年上半年没有已采用的报表：报告已生成，但未发送" in result.stderr
    assert (tmp_path / "out/2024H1/summary.json").is_file() and "发送" not in result.stdout


def test_status_prints_the_progress_workbook_the_intake_wrote(tmp_path, config, schema):
    """After an intake, 报送进度.xlsx; `status` prints the same figures, per city, with a roster."""
    from openpyxl import load_workbook as ox_load

    from rtr.form.periods import Period
    from sample.synthetic import make_sample
    from tests.conftest import clean_values, form_bytes, grid_bytes
    from tests.helpers import drop

    sample = make_sample(schema, ("广州市", "深圳市"), Period(2024, 1), 12, seed=3)
    for f in sample.files:
        drop(tmp_path / "inbox", f.path, f.data)
    drop(tmp_path / "inbox", "广州市/退回.xlsx", form_bytes(schema, clean_values() | {"members": 40}))  # sent back
    firms = list(sample.firms)
    roster_rows = [["律所名称", "统一社会信用代码", "所在地市"]]
    roster_rows += [[f.values["firm_name"], f.values["uscc"], f.values["city"]] for f in firms[2:]]
    roster_rows += [["未报送甲所", "31440000MD0000009", "广州市"]]
    (tmp_path / "名录.xlsx").write_bytes(grid_bytes(roster_rows))
    assert run("intake", "--roster", str(tmp_path / "名录.xlsx"), config=config).returncode == 0
    sheet = ox_load(tmp_path / "out/2024H1/报送进度.xlsx").worksheets[0]
    shown_as = lambda v: f"{v * 100:.1f}%" if isinstance(v, float) else str(v)  # noqa: E731  (as the sheet shows it)
    written = {row[0]: [shown_as(v) for v in row[1:]] for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]}
    shown = run("status", "--period", "2024H1", "--roster", str(tmp_path / "名录.xlsx"), config=config)
    assert shown.returncode == 0, shown.stderr
    printed = {}
    for line in shown.stdout.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 7 and cells[0] in written:
            printed[cells[0]] = cells[1:]
    assert printed.keys() == written.keys() and printed == written
    assert written["全省合计"][:4] == ["11", "10", "0", "1"]  # 应报 (the roster), 已采用, 退回待修改, 未报送


def test_a_prefect_server_that_is_not_there_ends_the_run_at_once_on_one_line(tmp_path, config):
    """Prefect's client would retry each call for a minute; the run stops within seconds and says
    what to do. A server that goes away mid-run: tests/flows/test_server_watch.py."""
    (tmp_path / "inbox").mkdir()
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    result = run("intake", config=config, api=f"http://127.0.0.1:{port}/api")
    assert time.monotonic() - start < 20
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"无法连接 Prefect 服务器（http://127.0.0.1:{port}/api）：请先启动服务器（prefect server start），"
        "或取消 PREFECT_API_URL 设置后不经服务器运行"
    ]
