"""Firms hear back on their own: receipts by e-mail after each intake, reminders before the deadline,
and the cities' lists after it, against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from flows.firm_mail import send_receipts, send_reminders
from flows.setup import load_setup, open_store
from rtr.config import Email
from rtr.form.periods import Period
from rtr.reading.roster import RosterFirm
from tests import reliability
from tests.conftest import clean_values, form_bytes, valid_uscc
from tests.flows.test_delivery import Server
from tests.helpers import drop, in_folder, run_intake

ROOT = Path(__file__).resolve().parents[2]
P = Period(2024, 1)


@pytest.fixture
def smtp():
    server = Server()
    server.up()
    yield server
    server.down()


def mail_setup(tmp: Path, port: int, *, roster=None, today=date(2024, 7, 12), **email) -> object:
    base = load_setup(ROOT / "config.toml")
    settings = Email(
        enabled=True,
        host="127.0.0.1",
        port=port,
        security="none",
        sender="党建报表 <noreply@example.org>",
        max_attempts=2,
        retry_seconds=0.01,
        timeout_seconds=5,
        receipts_to_firms=True,
        reminders=True,
        city_recipients={"广州市": ("gz@example.org",)},
        **email,
    )
    config = replace(base.config, settle_seconds=0, cities=("广州市", "深圳市"), email=settings)
    return in_folder(replace(base, config=config), tmp, roster=roster, today=today)


def firm(i: int, **changes) -> dict:
    return clean_values() | {"uscc": valid_uscc(f"3144000{i:02d}MD099999"), "firm_name": f"第{i}律师事务所"} | changes


def received(server: Server) -> list[tuple[str, str]]:
    return sorted((rcpts[0], msg["Subject"]) for rcpts, msg in server.inbox.messages)


def test_each_receipt_once_an_update_when_it_changes_and_nothing_twice(tmp_path, smtp, schema):
    setup = mail_setup(tmp_path, smtp.port)
    drop(tmp_path / "inbox", "广州市/一所.xlsx", form_bytes(schema, firm(1, contact_email="one@firm.cn")))
    drop(tmp_path / "inbox", "广州市/二所.xlsx", form_bytes(schema, firm(2, contact_email="two@firm.cn", members=40)))
    drop(tmp_path / "inbox", "广州市/三所.xlsx", form_bytes(schema, firm(3, contact_email=None)))
    run_intake(setup)
    assert received(smtp) == [
        ("one@firm.cn", "【回执】第1律师事务所 2024年上半年党建工作情况报表：已采用"),
        ("two@firm.cn", "【回执】第2律师事务所 2024年上半年党建工作情况报表：退回修改"),
    ]
    (_, message) = next(m for m in smtp.inbox.messages if m[0] == ["two@firm.cn"])
    (attachment,) = list(message.iter_attachments())
    assert (
        attachment.get_filename() == "二所_回执.xlsx" and message["Date"] and "@example.org>" in message["Message-ID"]
    )
    assert "7月10日" in message.get_body(("plain",)).get_content()  # fix and resend by the deadline

    run_intake(setup)  # nothing new: nothing sent
    assert len(smtp.inbox.messages) == 2

    # firm 2 corrects its return: its new file's receipt, and its old file's (now superseded), once each
    fixed = firm(2, contact_email="two@firm.cn", filled_date=date(2024, 7, 11))
    drop(tmp_path / "inbox", "广州市/二所（更正）.xlsx", form_bytes(schema, fixed))
    run_intake(setup)
    news = sorted((rcpts[0], msg["Subject"]) for rcpts, msg in smtp.inbox.messages[2:])
    assert news == [  # and nothing to firm 1, whose receipt did not change
        ("two@firm.cn", "【回执】第2律师事务所 2024年上半年党建工作情况报表：已采用"),
        ("two@firm.cn", "【回执更新】第2律师事务所 2024年上半年党建工作情况报表：已被替代"),
    ]
    run_intake(setup)
    assert len(smtp.inbox.messages) == 4
    reliability.record(
        "Crash safety",
        "receipts mailed to firms over three intakes (new files, nothing new, a correction)",
        3,
        "each receipt version once to its firm; the correction sends the new file's receipt and the old one's update",
        "every message the SMTP server received counted per address and subject",
    )


def test_the_server_down_never_blocks_intake_and_send_receipts_delivers_each_once(tmp_path, smtp, schema):
    setup = mail_setup(tmp_path, smtp.port)
    for i in range(3):
        drop(tmp_path / "inbox", f"广州市/{i}所.xlsx", form_bytes(schema, firm(i, contact_email=f"f{i}@firm.cn")))
    smtp.down()
    result = run_intake(setup)  # finishes: the returns are stored, the receipts written, the mails recorded failed
    assert result.accepted == 3 and len(list((tmp_path / "回执").rglob("*_回执.xlsx"))) == 3
    with open_store(setup.config) as store:
        down = send_receipts(setup, store)
    assert down.failed == 3 and down.sent == 0 and "连接被拒绝" in down.first_error
    smtp.up()
    with open_store(setup.config) as store:
        up = send_receipts(setup, store)
        again = send_receipts(setup, store)
    assert (up.sent, up.failed) == (3, 0) and (again.sent, again.failed) == (0, 0)
    assert sorted(r for r, _ in received(smtp)) == ["f0@firm.cn", "f1@firm.cn", "f2@firm.cn"]
    reliability.record(
        "Crash safety",
        "the mail server down while an intake mails receipts",
        1,
        "intake finishes; every mail recorded failed; `send --receipts` later delivers each exactly once",
        "three returns stored and three receipts written with the server down; three messages received after it is up",
    )


def test_reminders_reach_exactly_the_firms_not_yet_accepted_once_per_reminder_day(tmp_path, smtp, schema):
    roster = [
        RosterFirm(valid_uscc(f"3144000{i:02d}MD099999"), f"第{i}律师事务所", "广州市", contact_email=f"r{i}@firm.cn")
        for i in range(4)
    ]
    # the roster's addresses (no H10 on the returns)
    drop(
        tmp_path / "inbox", "广州市/0.xlsx", form_bytes(schema, firm(0, contact_email=None))
    )  # accepted: never reminded
    drop(tmp_path / "inbox", "广州市/1.xlsx", form_bytes(schema, firm(1, members=40, contact_email=None)))  # sent back
    # firms 2 and 3 sent nothing; 3's address is a roster's
    week_before = mail_setup(tmp_path, smtp.port, roster=roster, today=date(2024, 7, 3))
    run_intake(
        replace(
            week_before,
            config=replace(
                week_before.config, email=week_before.config.email.model_copy(update={"receipts_to_firms": False})
            ),
        )
    )
    with open_store(week_before.config) as store:
        first = send_reminders(week_before, store, P)
        same_day = send_reminders(week_before, store, P)
    assert (first.sent, same_day.sent) == (3, 0)
    by_address = {rcpts[0]: msg for rcpts, msg in smtp.inbox.messages}
    assert sorted(by_address) == ["r1@firm.cn", "r2@firm.cn", "r3@firm.cn"]
    blank = [a.get_filename() for a in by_address["r2@firm.cn"].iter_attachments()]
    assert blank == ["律师事务所党建工作情况半年报表.xlsx"]  # nothing received: the blank form goes with it
    assert list(by_address["r1@firm.cn"].iter_attachments()) == []  # sent back: the problems are in the body
    assert "党员律师数" in by_address["r1@firm.cn"].get_body(("plain",)).get_content()
    # firm 2 sends its return; two days before the deadline the others are reminded again, it is not
    drop(tmp_path / "inbox", "广州市/2.xlsx", form_bytes(schema, firm(2, contact_email=None)))
    two_days = mail_setup(tmp_path, smtp.port, roster=roster, today=date(2024, 7, 8))
    run_intake(
        replace(
            two_days,
            config=replace(
                two_days.config, email=two_days.config.email.model_copy(update={"receipts_to_firms": False})
            ),
        )
    )
    with open_store(two_days.config) as store:
        second = send_reminders(two_days, store, P)
    assert second.sent == 2 and sorted(rcpts[0] for rcpts, _ in smtp.inbox.messages[3:]) == ["r1@firm.cn", "r3@firm.cn"]
    # after the deadline: the city gets its list of firms still missing, once
    after = mail_setup(tmp_path, smtp.port, roster=roster, today=date(2024, 7, 12))
    with open_store(after.config) as store:
        lists = send_reminders(after, store, P)
        send_reminders(after, store, P)
    assert lists.sent == 1 and [r for r, _ in received(smtp)].count("gz@example.org") == 1
    reliability.record(
        "Crash safety",
        "reminders on two reminder days and after the deadline, each run twice",
        6,
        "exactly the firms not yet accepted, once per reminder day; the city's list once",
        "every message received checked by address and attachment",
    )
