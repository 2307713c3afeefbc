"""The browser portal's blueprints, one package per feature, and the JSON API's."""

from __future__ import annotations

from importlib import import_module

from flask import Flask

# module path -> attribute holding the Blueprint. Order only matters for readability.
BLUEPRINTS = [
    "app.web.health",
    "app.web.auth",
    "app.web.account",
    "app.web.home",
    "app.web.dashboard",
    "app.web.members",
    "app.web.invitations",
    "app.web.plans",
    "app.web.billing",
    "app.web.settings",
    "app.web.sso",
    "app.web.directory",
    "app.web.keys",
    "app.web.audit",
    "app.web.workspace",
    "app.web.admin",
    "app.web.language",
    "app.api",
    "app.scim",
]


def register_blueprints(app: Flask) -> None:
    for module_path in BLUEPRINTS:
        module = import_module(module_path)
        app.register_blueprint(module.bp)
        if hasattr(module, "init_app"):
            module.init_app(app)
