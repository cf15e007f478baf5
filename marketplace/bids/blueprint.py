"""The bids blueprint; views register their routes on it."""

from flask import Blueprint

bp = Blueprint("bids", __name__)
