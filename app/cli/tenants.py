"""`flask tenants ...`: the fleet from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask_babel import gettext, ngettext

from app.cli.errors import domain_errors_exit
from app.services import tenants
from app.services.audit import Actor
from app.services.pagination import MAX_PER_PAGE


@click.group("tenants")
def tenants_group() -> None:
    """List, and purge deleted, tenants."""


@tenants_group.command("list")
@click.option("--status", help="Only tenants with this status.")
@click.option("--plan", help="Only tenants on this plan.")
@click.option("-q", "--search", "q", help="Search name, slug and owner email.")
def list_tenants(status: str | None, plan: str | None, q: str | None) -> None:
    """Print tenants as a table, newest first."""
    flt = tenants.TenantFilter(status=status, plan=plan, q=q)
    page_number, shown = 1, 0
    click.echo(f"{'ID':<22} {'SLUG':<24} {'STATUS':<10} {'PLAN':<11} NAME")
    while True:
        page = tenants.list_tenants(flt, page_number, MAX_PER_PAGE)
        for t in page.items:
            click.echo(f"{t.id:<22} {t.slug:<24} {t.status:<10} {t.plan_code:<11} {t.name}")
        shown += len(page.items)
        if not page.has_next:
            break
        page_number += 1
    click.echo(f"{shown} tenant{'s' if shown != 1 else ''}.", err=True)


@tenants_group.command("purge-deleted")
@click.option("--grace-days", type=int, default=None,
              help="Purge tenants deleted longer ago than this (default: DELETED_TENANT_GRACE_DAYS).")
@domain_errors_exit
def purge_deleted(grace_days: int | None) -> None:
    """Remove for good the tenants whose deletion grace period has ended."""
    days = current_app.config["DELETED_TENANT_GRACE_DAYS"] if grace_days is None else grace_days
    purged = tenants.purge_deleted(Actor.cli(), days)
    for slug in purged:
        click.echo(f"purged {slug}")
    click.echo(ngettext("%(num)s tenant purged.", "%(num)s tenants purged.", len(purged)), err=True)


@tenants_group.command("reconcile")
def reconcile() -> None:
    """Give database tenants' documents the audit events and storage counts a crash cut short."""
    from app.services import documents

    fixed = documents.reconcile_all("database")
    for slug, count in fixed.items():
        click.echo(f"{slug}: {count}")
    click.echo(gettext("%(count)s tenant(s) reconciled.", count=len(fixed)))


@tenants_group.command("migrate")
@click.option("--tenant", "refs", multiple=True, help="Only this tenant (id or slug); repeatable.")
@click.option("--all", "include_current", is_flag=True,
              help="Also visit tenants already recorded at head (they are checked, not changed).")
def migrate(refs: tuple[str, ...], include_current: bool) -> None:
    """Bring every schema- and database-isolated tenant to the tenant-plane head.

    One transaction per tenant; a failing tenant is reported and the rest carry on. Each tenant's
    revision is recorded, so running it again resumes where it stopped and changes nothing twice.
    """
    from app.placement import plane_migrations

    head = plane_migrations.head_revision()
    todo = plane_migrations.pending(include_current=include_current or bool(refs))
    if refs:
        wanted = {ref.lower() for ref in refs}
        todo = [t for t in todo if t[0].lower() in wanted or t[1] in wanted]
    if not todo:
        click.echo(gettext("Every schema and database tenant is at %(head)s.", head=head))
        return
    outcomes = []
    with click.progressbar(todo, label=f"Migrating {len(todo)} tenant(s) to {head}",
                           item_show_func=lambda t: t[1] if t else "") as bar:
        for tenant_id, slug, strategy in bar:
            outcomes.append(plane_migrations.migrate_tenant(tenant_id, slug, strategy))
    failed = [o for o in outcomes if not o.ok]
    upgraded = [o for o in outcomes if o.ok and o.before != o.after]
    click.echo(gettext("%(upgraded)s upgraded, %(value)s already at %(head)s, %(failed)s failed.", upgraded=len(upgraded), value=len(outcomes) - len(upgraded) - len(failed), head=head, failed=len(failed)))
    for outcome in failed:
        click.echo(f"FAILED {outcome.slug} ({outcome.tenant_id}): {outcome.error}", err=True)
    if failed:
        raise click.ClickException(gettext("%(failed)s tenant(s) could not be migrated; fix them and run again.", failed=len(failed)))


@tenants_group.command("move")
@click.argument("slug")
@click.option("--to", "target", required=True, type=click.Choice(["row", "schema", "database"]),
              help="The isolation tier to move the tenant to.")
@domain_errors_exit
def move(slug: str, target: str) -> None:
    """Move a tenant to another isolation tier: copy, verify, switch, drop the old copy.

    Resumable: after a crash, run the same command again and it carries on from the recorded phase.
    """
    from app.services import tier_move

    tenant = tenants.get_tenant(slug)
    done = tier_move.move_tenant(tenant, target, Actor.cli())
    click.echo(gettext("%(slug)s moved from %(source)s to %(target)s (%(rows)s rows copied and verified).",
                       slug=tenant.slug, source=done.source, target=done.target, rows=done.copied_rows))
