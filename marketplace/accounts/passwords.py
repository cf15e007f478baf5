"""Password rules (ASVS 6.2): length 8–128, not a common password, hashed with scrypt."""

from __future__ import annotations

from functools import cache

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 8
MAX_LENGTH = 128


@cache
def _common_passwords() -> frozenset[str]:
    # The 30,000 most common passwords from real breaches, shipped with zxcvbn.
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why ``password`` is not acceptable, in the user's language; None when it is."""
    if len(password) < MIN_LENGTH:
        return _("密码至少需要 %(n)d 个字符。", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("密码不能超过 %(n)d 个字符。", n=MAX_LENGTH)
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(password)) < 3:
        return _("该密码过于常见，容易被猜中，请换一个。")
    local = email.split("@", 1)[0].lower()
    if (local and len(local) >= 4 and local in lowered) or (name and name.lower() == lowered):
        return _("密码不能包含您的邮箱或姓名。")
    return None


def hash_password(password: str) -> str:
    """Hash with the configured method (scrypt by default); the whole password counts."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(stored_hash: str, password: str) -> bool:
    return check_password_hash(stored_hash, password)


# A hash to check against when the e-mail is unknown, so timing does not reveal accounts.
@cache
def dummy_hash() -> str:
    return hash_password("not-a-real-password-4f9c2")
