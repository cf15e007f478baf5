"""The accounts blueprint; views register their routes on it."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)
