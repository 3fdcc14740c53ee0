"""E-mail delivery against a real SMTP server (aiosmtpd on 127.0.0.1), and the delivery ledger."""

from __future__ import annotations

import email
import logging
import socket
from dataclasses import replace
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from flows.delivery import deliver
from flows.setup import load_setup
from rtr.config import ConfigError, Email, sqlite_url
from rtr.form.periods import Period
from rtr.store import Store, deliveries
from sample.synthetic import make_sample
from tests import reliability
from tests.helpers import drop, in_folder, run_report

ROOT = Path(__file__).resolve().parents[2]
CITIES = ("广州市", "深圳市", "佛山市")
P = Period(2024, 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


class Server:
    """A real SMTP server on 127.0.0.1 that a test can bring up (again) on the same port."""

    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def up(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = Server()
    yield server
    server.down()


@pytest.fixture(scope="module")
def reported(tmp_path_factory, schema):
    tmp = tmp_path_factory.mktemp("mail")
    base = load_setup(ROOT / "config.toml")
    setup = in_folder(replace(base, config=replace(base.config, cities=CITIES, settle_seconds=0)), tmp)
    for f in make_sample(schema, CITIES, P, 20, seed=5).files:
        drop(tmp / "inbox", f.path, f.data)
    result = run_report(setup, P, documents=True)
    return setup, result.folder


def mail_setup(setup, port: int, **email_changes):
    mail = Email(
        enabled=True,
        host="127.0.0.1",
        port=port,
        security="none",
        sender="党建报表 <noreply@example.org>",
        province_recipients=("sheng1@example.org", "sheng2@example.org"),
        city_recipients={"广州市": ("gz@example.org",)},
        max_attempts=3,
        retry_seconds=0.01,
        timeout_seconds=5,
    )
    return replace(setup, config=replace(setup.config, email=mail.model_copy(update=email_changes)))


def fresh_store(tmp_path: Path) -> Store:
    return Store(sqlite_url(tmp_path / "ledger.sqlite"))


def test_right_messages_reach_the_right_recipients(reported, smtp, tmp_path):
    setup, folder = reported
    smtp.up()
    port, inbox = smtp.port, smtp.inbox
    outcomes = deliver(mail_setup(setup, port), fresh_store(tmp_path), P, folder, sleep=lambda s: None)
    assert [o.status for o in outcomes] == ["sent", "sent", "sent"]
    by_rcpt = {tuple(rcpts): msg for rcpts, msg in inbox.messages}
    assert set(by_rcpt) == {("sheng1@example.org",), ("sheng2@example.org",), ("gz@example.org",)}
    province = by_rcpt[("sheng1@example.org",)]
    assert province["Subject"] == "2024年上半年全省律师行业党建工作情况报告"
    names = {a.get_filename(): a for a in province.iter_attachments()}
    assert set(names) == {"2024年上半年全省律师行业党建工作情况报告.docx", "2024年上半年汇总表.xlsx"}
    assert (
        names["2024年上半年汇总表.xlsx"].get_content_type()
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        names["2024年上半年全省律师行业党建工作情况报告.docx"].get_content()
        == (folder / "2024年上半年全省律师行业党建工作情况报告.docx").read_bytes()
    )
    assert names["2024年上半年汇总表.xlsx"].get_content() == (folder / "汇总表.xlsx").read_bytes()
    city = by_rcpt[("gz@example.org",)]
    (attachment,) = list(city.iter_attachments())
    assert attachment.get_filename() == "2024年上半年广州市律师行业党建工作情况报告.docx"
    assert attachment.get_content_type() == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert attachment.get_content() == (folder / "分地市/广州市.docx").read_bytes()
    assert "广州市" in city.get_body(("plain",)).get_content()


def test_server_down_then_later_send_delivers_each_document_once(reported, smtp, tmp_path):
    setup, folder = reported
    port, inbox = smtp.port, smtp.inbox  # the server is down
    store = fresh_store(tmp_path)
    before = {p: p.read_bytes() for p in folder.rglob("*.docx")}
    waits = []
    said = []
    down = deliver(mail_setup(setup, port), store, P, folder, sleep=waits.append, announce=said.append)
    assert {o.status for o in down} == {"failed"}
    # the first message is tried three times; once the server is known to be down, the others are not
    # tried again one by one (they would each wait through every retry): failed at once, for a later send
    assert [o.attempts for o in down] == [3, 0, 0]
    assert waits == [0.01, 0.02]  # backoff doubles between attempts
    reason = f"无法连接邮件服务器 127.0.0.1:{port}（连接被拒绝）：请检查 [email] host、port 和网络"
    assert {o.error for o in down} == {reason}
    assert (
        said[0].startswith("发送给 sheng1@example.org（全省）")
        and f"{reason}；0.01 秒后第 2 次尝试（共 3 次）" in said[1]
    )
    with store.transaction() as conn:
        ledger = deliveries.deliveries_of(conn, P.id)
    assert len(ledger) == 5 and all(r["status"] == "failed" and r["last_error"] == reason for r in ledger)
    assert {p: p.read_bytes() for p in folder.rglob("*.docx")} == before  # documents untouched
    smtp.up()
    up = deliver(mail_setup(setup, port), store, P, folder, sleep=lambda s: None)
    assert [o.status for o in up] == ["sent"] * 3
    again = deliver(mail_setup(setup, port), store, P, folder, sleep=lambda s: None)
    assert [o.status for o in again] == ["skipped"] * 3
    assert len(inbox.messages) == 3  # each recipient got its documents exactly once
    with store.transaction() as conn:
        ledger = deliveries.deliveries_of(conn, P.id)
    assert all(r["status"] == "sent" and len(r["sha256"]) == 64 for r in ledger)
    assert sorted(r["attempts"] for r in ledger) == [1, 1, 1, 4, 4]  # the two documents of the first message: 3 + 1
    forced = deliver(mail_setup(setup, port), store, P, folder, force=True, sleep=lambda s: None)
    assert [o.status for o in forced] == ["sent"] * 3 and len(inbox.messages) == 6


def test_password_comes_from_the_environment_and_is_never_recorded(reported, tmp_path, monkeypatch, caplog):
    setup, folder = reported
    caplog.set_level(logging.DEBUG)  # every record, so that none carries the password
    port = free_port()
    inbox = Inbox()

    def refuse(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=refuse, auth_require_tls=False)
    controller.start()
    try:
        configured = mail_setup(setup, port, user="sender@example.org", password_env="RTR_TEST_SMTP_PASSWORD")
        monkeypatch.delenv("RTR_TEST_SMTP_PASSWORD", raising=False)
        with pytest.raises(ConfigError, match="RTR_TEST_SMTP_PASSWORD"):
            deliver(configured, fresh_store(tmp_path), P, folder)
        monkeypatch.setenv("RTR_TEST_SMTP_PASSWORD", "s3cret-password")
        store = fresh_store(tmp_path)
        outcomes = deliver(configured, store, P, folder, sleep=lambda s: None)
    finally:
        controller.stop()
    assert {o.status for o in outcomes} == {"failed"}
    assert all(o.attempts == 1 for o in outcomes)  # 535 is permanent: no retry
    assert all("s3cret-password" not in (o.error or "") for o in outcomes)
    assert b"s3cret-password" not in (tmp_path / "ledger.sqlite").read_bytes()
    assert "s3cret-password" not in caplog.text
    reliability.record(
        "Security",
        "SMTP password (from the environment) with a server that refuses it",
        1,
        "delivery recorded as failed, no retry on 535",
        "password searched for in the outcomes, the log records and the store file: absent",
    )


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_ssl_and_starttls_verify_the_server_and_log_in_over_tls(reported, tmp_path, monkeypatch):
    """`security = "ssl"` (SMTPS) and `"starttls"` against real TLS servers: the certificate is verified
    against the trusted ones (here SSL_CERT_FILE), and the login happens only once the line is encrypted."""
    import ssl

    setup, folder = reported
    cert, key = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins = []

    def accept(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password, server.transport.get_extra_info("ssl_object") is not None))
        return AuthResult(success=auth_data.password == b"s3cret")

    monkeypatch.setenv("RTR_TEST_SMTP_PASSWORD", "s3cret")
    # aiosmtpd offers AUTH on implicit TLS only if told not to wait for STARTTLS; `logins` shows it was TLS
    servers = {
        "ssl": dict(ssl_context=server_tls, auth_require_tls=False),
        "starttls": dict(tls_context=server_tls, require_starttls=True),
    }
    for security, tls in servers.items():
        inbox, port = Inbox(), free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=accept, **tls)
        controller.start()
        try:
            configured = mail_setup(
                setup,
                port,
                security=security,
                user="sender@example.org",
                password_env="RTR_TEST_SMTP_PASSWORD",
                max_attempts=1,
            )
            monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "none.pem"))  # the server's certificate not trusted
            refused = deliver(
                configured, fresh_store(tmp_path / f"{security}-untrusted"), P, folder, sleep=lambda s: None
            )
            monkeypatch.setenv("SSL_CERT_FILE", str(cert))
            sent = deliver(configured, fresh_store(tmp_path / security), P, folder, sleep=lambda s: None)
        finally:
            controller.stop()
        assert {o.status for o in refused} == {"failed"} and all("的证书不受信任" in o.error for o in refused)
        assert [o.status for o in sent] == ["sent"] * 3 and len(inbox.messages) == 3, [o.error for o in sent]
    assert logins == [(b"sender@example.org", b"s3cret", True)] * 6
    reliability.record(
        "Security",
        "SMTP with ssl and with starttls: a server certificate not trusted, then trusted",
        2,
        "untrusted: not sent (certificate verify failed); trusted: sent, the login over TLS",
        "each server's messages and logins counted: 3 messages and 3 TLS logins per server",
    )
