"""The challenges blueprint; views register their routes on it."""

from flask import Blueprint

bp = Blueprint("challenges", __name__)
