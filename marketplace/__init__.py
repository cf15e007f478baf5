"""The 揭榜挂帅 challenge marketplace: ``create_app()`` builds the Flask application."""

from __future__ import annotations

import importlib
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
ROUTE_MODULES = (
    "accounts.views",
    "accounts.admin_views",
    "challenges.views",
    "challenges.staff_views",
    "challenges.import_views",
    "bids.views",
    "dashboard.views",
    "teams.views",
    "search.views",
    "workdays.views",
    "review.views",
    "review.panel_views",
    "integrity.views",
    "awards.views",
    "projects.views",
    "projects.milestone_views",
    "projects.finance_views",
    "inbox.views",
    "stats.views",
    "exports.views",
    "api.views",
)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, error pages and CLI."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from .config import load_config

    load_config(app, test_config)
    from .logs import configure_logging

    configure_logging(app)

    from . import db, i18n, security
    from .accounts.sessions import load_user
    from .error_pages import register_error_handlers

    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    # Who a request is: the accounts domain's rule, handed to the web plumbing here.
    security.login_manager.user_loader(load_user)
    register_error_handlers(app)

    # Importing a views module registers its routes on its blueprint.
    for module in ROUTE_MODULES:
        importlib.import_module(f"{__name__}.{module}")
    from .accounts.blueprint import bp as accounts_bp
    from .bids.blueprint import bp as bids_bp
    from .challenges.blueprint import bp as challenges_bp
    from .dashboard.blueprint import bp as dashboard_bp
    from .search import engine as search_engine
    from .search.blueprint import bp as search_bp
    from .teams.blueprint import bp as teams_bp

    app.register_blueprint(dashboard_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(challenges_bp)
    app.register_blueprint(teams_bp)
    app.register_blueprint(bids_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(importlib.import_module(f"{__name__}.workdays.blueprint").bp)
    app.register_blueprint(importlib.import_module(f"{__name__}.review.blueprint").bp)
    app.register_blueprint(importlib.import_module(f"{__name__}.integrity.blueprint").bp)
    app.register_blueprint(importlib.import_module(f"{__name__}.awards.blueprint").bp)
    app.register_blueprint(importlib.import_module(f"{__name__}.projects.blueprint").bp)
    app.register_blueprint(importlib.import_module(f"{__name__}.inbox.blueprint").bp)
    app.register_blueprint(importlib.import_module(f"{__name__}.stats.blueprint").bp)
    app.register_blueprint(importlib.import_module(f"{__name__}.exports.blueprint").bp)
    app.register_blueprint(importlib.import_module(f"{__name__}.api.blueprint").bp)
    # Templates compare states with the enums (Role.ADMIN), never with string literals.
    from .states import labelled_enums

    app.jinja_env.globals.update(labelled_enums())
    search_engine.CACHE.max_bytes = app.config["SEARCH_CACHE_MB"] * 2**20

    from . import page_cache, static_files

    page_cache.init_app(app)
    static_files.init_app(app)
    from .cli import register_cli

    register_cli(app)
    return app
