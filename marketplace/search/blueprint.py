"""The search blueprint; views register their routes on it."""

from flask import Blueprint

bp = Blueprint("search", __name__)
