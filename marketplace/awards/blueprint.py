"""The awards blueprint; views register their routes on it."""

from flask import Blueprint

bp = Blueprint("awards", __name__)
