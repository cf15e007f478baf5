"""The API blueprint (``/api/v1``, ``/account/tokens``, ``/open-data``); views register on it."""

from flask import Blueprint

bp = Blueprint("api", __name__)
