"""Sending mail over SMTP: the connection, retries for temporary failures, and why a send failed, in Chinese.

One `Mailer` per run. When the server cannot be reached at all, the messages after the first are
not tried again one by one (each would wait through every retry): they are failed at once with the
same reason, and a later `send` delivers them.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from flows.files import os_reason
from rtr.config import ConfigError, Email


def password_of(email: Email) -> str | None:
    """The SMTP password, from the environment variable named in config; never from the file."""
    if not email.user:
        return None
    value = os.environ.get(email.password_env)
    if value is None:
        raise ConfigError(f"未设置环境变量 {email.password_env}（SMTP 用户 {email.user} 的密码）：请设置后再发送")
    return value


def temporary(exc: Exception) -> bool:
    """Worth trying again: 4xx replies and connection problems; not 5xx replies or a wrong password."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, ssl.SSLCertVerificationError):
        return False
    return isinstance(exc, (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError))


def unreachable(exc: Exception) -> bool:
    """The server itself cannot be reached (not one message refused)."""
    return isinstance(exc, OSError) and not isinstance(exc, ssl.SSLError | smtplib.SMTPException)


def describe(exc: Exception, email: Email) -> str:
    """Why a send failed, as staff can act on it."""
    where = f"{email.host}:{email.port}"
    if isinstance(exc, ConnectionRefusedError):
        return f"无法连接邮件服务器 {where}（连接被拒绝）：请检查 [email] host、port 和网络"
    if isinstance(exc, socket.gaierror):
        return f"找不到邮件服务器 {email.host}（域名无法解析）：请检查 [email] host 和网络"
    if isinstance(exc, TimeoutError):
        return f"连接邮件服务器 {where} 超时：请检查 [email] host、port 和网络"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"邮件服务器 {where} 的证书不受信任（{exc.verify_message}）：请让管理员把它的证书加入系统信任列表"
    if isinstance(exc, ssl.SSLError):
        return f"与邮件服务器 {where} 建立加密连接失败：请检查 [email] security（465 端口一般用 ssl，587 用 starttls）"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"邮件服务器拒绝了登录（[email] user 和环境变量 {email.password_env} 中的密码是否正确？）"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "、".join(f"{addr}（{code}）" for addr, (code, _) in exc.recipients.items())
        return f"邮件服务器拒收收件人 {refused}：请核对收件人地址"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"邮件服务器拒绝发件人 {exc.sender}（{exc.smtp_code}）：请检查 [email] sender"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"邮件服务器回复 {exc.smtp_code}：{text[:200]}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"邮件服务器 {where} 断开了连接"
    if isinstance(exc, OSError):
        return f"无法连接邮件服务器 {where}（{os_reason(exc)}）：请检查 [email] host、port 和网络"
    return f"发送失败（{type(exc).__name__}：{exc}）"[:500]


def _connect(email: Email, password: str | None) -> smtplib.SMTP:
    if email.security == "ssl":
        client = smtplib.SMTP_SSL(
            email.host, email.port, timeout=email.timeout_seconds, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(email.host, email.port, timeout=email.timeout_seconds)
        if email.security == "starttls":
            client.starttls(context=ssl.create_default_context())
    if email.user:
        client.login(email.user, password or "")
    return client


@dataclass(frozen=True)
class Sent:
    ok: bool
    attempts: int
    error: str | None = None


@dataclass
class Mailer:
    email: Email
    password: str | None
    sleep: Callable[[float], None] = time.sleep
    announce: Callable[[str], None] | None = None
    down: str | None = field(default=None, init=False)  # why the server could not be reached, once it could not

    def send(self, message: EmailMessage, to: str) -> Sent:
        """Temporary failures are retried with a doubling wait; failures are returned, never raised."""
        if self.down is not None:
            return Sent(False, 0, self.down)
        say = self.announce or (lambda _: None)
        error = None
        for attempt in range(1, self.email.max_attempts + 1):
            try:
                with _connect(self.email, self.password) as client:
                    client.send_message(message)
                return Sent(True, attempt)
            except Exception as exc:  # recorded in the ledger, never raised
                error = describe(exc, self.email)
                if not temporary(exc):
                    return Sent(False, attempt, error)
                if attempt < self.email.max_attempts:
                    wait = self.email.retry_seconds * 2 ** (attempt - 1)
                    say(f"  {to}：{error}；{wait:g} 秒后第 {attempt + 1} 次尝试（共 {self.email.max_attempts} 次）")
                    self.sleep(wait)
                elif unreachable(exc):
                    self.down = error
        return Sent(False, self.email.max_attempts, error)
