"""The exports blueprint; views register their routes on it."""

from flask import Blueprint

bp = Blueprint("exports", __name__)
