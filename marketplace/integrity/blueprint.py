"""The integrity blueprint; views register their routes on it."""

from flask import Blueprint

bp = Blueprint("integrity", __name__)
