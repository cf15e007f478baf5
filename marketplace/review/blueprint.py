"""The review blueprint (expert pool, later panels and scoring); views register routes on it."""

from flask import Blueprint

bp = Blueprint("review", __name__)
