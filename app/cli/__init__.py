"""Flask CLI commands (`flask --app wsgi ...`), one module per domain."""

from __future__ import annotations

from flask import Flask


def init_commands(app: Flask) -> None:
    from app.cli import apikey, billing, demo, jobs, scale, sessions, sso, tenants, usage, users, webhooks

    app.cli.add_command(users.create_admin)
    app.cli.add_command(demo.seed_demo)
    app.cli.add_command(scale.seed_scale_command)
    app.cli.add_command(tenants.tenants_group)
    app.cli.add_command(apikey.apikey_group)
    app.cli.add_command(webhooks.webhooks_group)
    app.cli.add_command(usage.usage_group)
    app.cli.add_command(jobs.jobs_group)
    app.cli.add_command(sessions.sessions_group)
    app.cli.add_command(sso.sso_group)
    app.cli.add_command(billing.billing_group)
