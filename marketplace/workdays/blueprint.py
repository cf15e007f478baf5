"""The working-days blueprint; views register their routes on it."""

from flask import Blueprint

bp = Blueprint("workdays", __name__)
