"""Outgoing e-mail: SMTP when MAIL_SERVER is set, otherwise the server log (development)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


class MailNotSent(Exception):
    """The SMTP server could not be reached or refused the message (``deliver`` only)."""


def _message(to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


def deliver(*, to: str, subject: str, body: str) -> None:
    """Hand one plain-text message to the SMTP server; raises ``MailNotSent`` on failure.

    For callers that retry (the notification outbox). Needs ``MAIL_SERVER``.
    """
    cfg = current_app.config
    msg = _message(to, subject, body)
    try:
        with smtplib.SMTP(
            cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg.get("MAIL_TIMEOUT_SECONDS", 10)
        ) as smtp:
            if cfg.get("MAIL_USE_TLS"):
                smtp.starttls()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailNotSent(f"{type(exc).__name__}: {exc}") from exc


def send_mail(*, to: str, subject: str, body: str) -> None:
    """Send a plain-text message; failures are logged, never shown to the user as a 500."""
    if not current_app.config.get("MAIL_SERVER"):
        current_app.logger.warning(
            "MAIL (not sent, no MAIL_SERVER) to=%s subject=%s\n%s", to, subject, body
        )
        return
    try:
        deliver(to=to, subject=subject, body=body)
    except MailNotSent:
        current_app.logger.exception("could not send mail to %s", to)
