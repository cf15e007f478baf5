"""The teams blueprint (capability profiles and achievements); views register routes on it."""

from flask import Blueprint

bp = Blueprint("teams", __name__)
