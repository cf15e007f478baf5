"""The stats blueprint; views register their routes on it."""

from flask import Blueprint

bp = Blueprint("stats", __name__)
