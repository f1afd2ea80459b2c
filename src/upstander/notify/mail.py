"""Sending a notification by SMTP (the standard library's client; the server is the operator's)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import urlsplit

from upstander.config import Settings
from upstander.notify.rules import Message


class Mailer(Protocol):
    def send(self, address: str, message: Message) -> None: ...


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        if settings.smtp_host is None:
            raise ValueError("no SMTP host")
        self._host = settings.smtp_host
        self._settings = settings

    def send(self, address: str, message: Message) -> None:
        settings = self._settings
        mail = EmailMessage()
        mail["From"] = settings.smtp_from
        mail["To"] = address
        mail["Subject"] = message.subject
        mail.set_content(message.body)
        # The name this server gives in EHLO comes from the public address, not a DNS lookup per message.
        helo = urlsplit(settings.public_base_url).hostname or "localhost"
        with smtplib.SMTP(
            self._host, settings.smtp_port, local_hostname=helo, timeout=settings.smtp_timeout_seconds
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username and settings.smtp_password:
                smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            smtp.send_message(mail)


def mailer_from_settings(settings: Settings) -> Mailer | None:
    return SmtpMailer(settings) if settings.smtp_host else None
