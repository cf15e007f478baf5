"""The projects blueprint; views register their routes on it."""

from flask import Blueprint

bp = Blueprint("projects", __name__)
