"""Outgoing e-mail: SMTP when MAIL_SERVER is set, otherwise the server log (development)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def send_mail(*, to: str, subject: str, body: str) -> None:
    """Send a plain-text message; failures are logged, never shown to the user as a 500."""
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        current_app.logger.warning(
            "MAIL (not sent, no MAIL_SERVER) to=%s subject=%s\n%s", to, subject, body
        )
        return
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    try:
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=10) as smtp:
            if cfg.get("MAIL_USE_TLS"):
                smtp.starttls()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("could not send mail to %s", to)
