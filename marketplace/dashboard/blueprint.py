"""The dashboard blueprint; views register their routes on it."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)
