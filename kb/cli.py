"""The ``kb`` command (also ``flask --app kb ...``). Each command calls the same services as the site.

Long work reports progress on stderr in the one log format (``kb.LOG_FORMAT``); results that a script
may read (ids, tokens) go to stdout.
"""
from __future__ import annotations

import functools
import time
import logging
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from kb.errors import KbError
from kb.extensions import db

log = logging.getLogger("kb.cli")


def main() -> None:
    from kb import create_app

    cli = FlaskGroup(create_app=create_app, help="kb — e-governance knowledge repository")
    cli.main(prog_name="kb")


def register_commands(app: Flask) -> None:
    for command in (content_group, index_group, users_group, orgs_group, tokens_group, demo_command,
                    serve_command, mail_group, freshness_group, backup_command, restore_command):
        app.cli.add_command(command)


def commits(func):
    """Run a command in one transaction; turn domain errors into a clear message and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            result = func(*args, **kwargs)
            db.session.commit()
            return result
        except KbError as error:
            db.session.rollback()
            details = "".join(f"\n  {field}: {reason}" for field, reason in error.fields.items())
            raise click.ClickException(f"{error.message}{details}") from None

    return wrapper


def _progress(label: str):
    def report(done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            log.info("%s %d/%d", label, done, total)

    return report


# ---------------------------------------------------------------------------------------------------
# content


@click.group("content", help="Import and export the library's content folder.")
def content_group():
    pass


@content_group.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def content_import(folder: Path):
    """Upsert taxonomy and case files from FOLDER (idempotent); exit 1 if any file failed."""
    from kb import search
    from kb.content import import_content
    from kb.errors import ContentError

    try:
        with search.sync_suspended():  # one index sync at the end, not one per file
            report = import_content(folder, progress=_progress("imported"))
    except ContentError as error:  # a broken taxonomy file stops everything: cases depend on it
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    for error in report.errors:
        for field, reason in error.fields.items():
            log.error("%s: %s: %s", error.path, field, reason)
    for public_id in report.kept:
        log.warning("%s: not imported: the case has versions written on the site, which an import never "
                    "overwrites (edit it there, or give the file a free id)", public_id)
    log.info("cases: %d created, %d updated, %d unchanged, %d kept as the site has them; site pages: %d written; "
             "%d files failed", len(report.created), len(report.updated), len(report.unchanged), len(report.kept),
             len(report.pages_written), len(report.errors))
    applied = search.sync(blocking=True)
    log.info("search index: %d pending changes applied", applied)
    if not report.ok:
        sys.exit(1)


@content_group.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def content_export(folder: Path):
    """Write the taxonomy and every published case to FOLDER in the import format."""
    from kb.content import export_content

    count = export_content(folder, progress=_progress("exported"))
    log.info("exported %d published cases to %s", count, folder)


# ---------------------------------------------------------------------------------------------------
# search index


@click.group("index", help="The search index of this host.")
def index_group():
    pass


@index_group.command("rebuild")
@with_appcontext
def index_rebuild():
    """Build a fresh index from the database and swap it in atomically."""
    from kb import search

    count = search.rebuild(progress=_progress("indexed"))
    log.info("search index rebuilt with %d published cases", count)


@index_group.command("sync")
@click.option("--follow", is_flag=True, help="keep running, applying changes as they are queued")
@click.option("--interval", default=1.0, show_default=True, help="seconds between polls with --follow")
@with_appcontext
def index_sync(follow: bool, interval: float):
    """Apply pending changes from the outbox to this host's index."""
    import time

    from kb import search

    while True:
        applied = search.sync(blocking=True)
        if applied or not follow:
            log.info("search index: %d pending changes applied", applied)
        if not follow:
            return
        time.sleep(interval)


@index_group.command("check")
@with_appcontext
def index_check():
    """Compare index and database (ids and versions); exit 1 on any difference."""
    from kb import search

    difference = search.check()
    for public_id in difference.missing:
        click.echo(f"missing from index: {public_id}")
    for public_id in difference.extra:
        click.echo(f"in index but not published: {public_id}")
    for public_id, indexed, published in difference.stale:
        click.echo(f"stale: {public_id} indexed v{indexed}, published v{published}")
    click.echo(f"pending outbox rows: {difference.pending}")
    click.echo(f"dense search: {search.dense_status()}")
    if difference.missing_vectors:
        click.echo(f"cases without a dense vector: {difference.missing_vectors} (kb index embed computes them)")
    if not difference.in_sync or difference.missing_vectors:
        sys.exit(1)
    click.echo("index and database agree")


@index_group.command("embed")
@with_appcontext
def index_embed():
    """Compute the dense vectors the indexed cases lack (once per published text; kept in the database)."""
    import time

    from kb import search

    if search.dense_status() != "on":
        log.warning("dense search is off (KB_SEARCH_DENSE, or the model could not load): nothing to embed")
        return
    started = time.perf_counter()
    total = 0
    while True:
        stored = search.embed_pending(budget_seconds=30)
        total += stored
        if not stored:
            break
        log.info("dense search: %d vectors stored (%.0f s)", total, time.perf_counter() - started)
    log.info("dense search: %d vectors computed in %.1f s", total, time.perf_counter() - started)


@index_group.command("prune")
@click.option("--days", default=7, show_default=True, help="keep outbox rows this many days")
@with_appcontext
def index_prune(days: int):
    """Delete outbox rows older than --days (an index further behind rebuilds itself)."""
    from kb import search

    log.info("pruned %d outbox rows", search.prune(days))


# ---------------------------------------------------------------------------------------------------
# users and organisations


@click.group("users", help="Manage user accounts.")
def users_group():
    pass


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["trainer", "submitter", "reviewer", "admin"]))
@click.option("--org", "org_slug", help="the organisation's slug")
@click.option("--state", "state_code", help="a state code from the taxonomy")
@click.option("--password", help="omit to create an account that must reset its password")
@click.option("--language", type=click.Choice(["en", "hi"]), default="en", show_default=True,
              help="the language of the account's email and notifications")
@with_appcontext
@commits
def users_create(email, name, role, org_slug, state_code, password, language):
    """Create a user and print its id."""
    from kb.services.accounts import create_user

    user = create_user(email=email, name=name, role=role, org_slug=org_slug, state_code=state_code, password=password,
                       language=language)
    click.echo(user.id)


@users_group.command("list")
@click.option("--status", type=click.Choice(["all", "pending", "active", "inactive"]), default="all", show_default=True)
@click.option("--role", type=click.Choice(["trainer", "submitter", "reviewer", "admin"]))
@click.option("--search", "q", default="", help="part of the email or name")
@with_appcontext
def users_list(status, role, q):
    """Print the users (id, email, role, organisation, status, name), one per line, tab-separated."""
    from kb.services.accounts import list_users

    for user in list_users(q=q, status=status, role=role, per_page=1_000_000).items:
        state = "inactive" if not user.active else ("pending" if not user.approved else "active")
        click.echo("\t".join([str(user.id), user.email, user.role,
                              user.organization.slug if user.organization else "-", state, user.name]))


@users_group.command("approve")
@click.option("--email", required=True)
@with_appcontext
@commits
def users_approve(email):
    """Approve a self-registered account so that it can log in."""
    from kb.services.accounts import approve_user, find_user

    user = find_user(email)
    click.echo(f"{user.email} approved" if approve_user(user) else f"{user.email} was already approved")


@users_group.command("set-role")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["trainer", "submitter", "reviewer", "admin"]))
@click.option("--org", "org_slug", help="also move the user to this organisation (the slug)")
@with_appcontext
@commits
def users_set_role(email, role, org_slug):
    """Change a user's role (and organisation); ends all their sessions."""
    from kb.services.accounts import change_role, find_user

    user = find_user(email)
    changed = change_role(user, role, org_slug=org_slug)
    click.echo(f"{user.email} is now {user.role}; their sessions were ended" if changed
               else f"{user.email} was already {user.role}")


@users_group.command("deactivate")
@click.option("--email", required=True)
@with_appcontext
@commits
def users_deactivate(email):
    """Deactivate an account: it can no longer log in, and every session ends at once."""
    from kb.services.accounts import find_user, set_active

    user = find_user(email)
    click.echo(f"{user.email} deactivated; their sessions were ended" if set_active(user, False)
               else f"{user.email} was already deactivated")


@users_group.command("reactivate")
@click.option("--email", required=True)
@with_appcontext
@commits
def users_reactivate(email):
    """Let a deactivated account log in again."""
    from kb.services.accounts import find_user, set_active

    user = find_user(email)
    click.echo(f"{user.email} reactivated" if set_active(user, True) else f"{user.email} was already active")


@users_group.command("prune")
@with_appcontext
@commits
def users_prune():
    """Delete expired login sessions and reset links, and login attempts older than the throttle window."""
    from kb.services.auth import prune_expired

    log.info("pruned %d expired sessions, reset links and old login attempts", prune_expired())


@click.group("orgs", help="Manage organisations (ATIs, state departments, nodal agencies).")
def orgs_group():
    pass


@orgs_group.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--kind", required=True, type=click.Choice(["ati", "state_department", "nodal_agency"]))
@click.option("--state", "state_code")
@with_appcontext
@commits
def orgs_create(slug, name, kind, state_code):
    """Create an organisation and print its id."""
    from kb.services.accounts import create_organization

    organization = create_organization(slug=slug, name=name, kind=kind, state_code=state_code)
    click.echo(organization.id)


@orgs_group.command("list")
@click.option("--kind", type=click.Choice(["ati", "state_department", "nodal_agency"]))
@with_appcontext
def orgs_list(kind):
    """Print the organisations (id, slug, kind, state, name), one per line, tab-separated."""
    from kb.services.accounts import list_organizations

    for organization in list_organizations((kind,) if kind else None):
        click.echo("\t".join([str(organization.id), organization.slug, organization.kind,
                              organization.state.code if organization.state else "-", organization.name]))


@click.group("tokens", help="Personal API tokens (Authorization: Bearer <token>).")
def tokens_group():
    pass


@tokens_group.command("create")
@click.option("--email", required=True, help="the user the token acts as")
@click.option("--name", default="", help="what the token is for (shown in lists)")
@with_appcontext
@commits
def tokens_create(email, name):
    """Print a new API token for the user. It is shown this once; only its hash is kept."""
    from kb.services.accounts import find_user
    from kb.services.auth import create_api_token

    user = find_user(email)
    if not user.can_act:
        log.warning("%s is inactive or not yet approved: the token will not work until the account can act", email)
    _token, raw = create_api_token(user, name or "created with kb tokens create")
    click.echo(raw)


@tokens_group.command("list")
@click.option("--email", required=True)
@with_appcontext
def tokens_list(email):
    """Print the user's tokens (id, prefix, status, created, last used, name), tab-separated."""
    from kb.services.accounts import find_user
    from kb.services.auth import list_api_tokens

    try:
        user = find_user(email)
    except KbError as error:
        raise click.ClickException(error.message) from None
    for token in list_api_tokens(user):
        click.echo("\t".join([str(token.id), token.prefix + "…", "revoked" if token.revoked_at else "active",
                              token.created_at.isoformat(timespec="seconds"),
                              token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "never",
                              token.name]))


@tokens_group.command("revoke")
@click.option("--email", required=True)
@click.option("--id", "token_id", required=True, type=int, help="the token's id, from 'kb tokens list'")
@with_appcontext
@commits
def tokens_revoke(email, token_id):
    """Revoke one of the user's tokens: it stops working at once."""
    from kb.services.accounts import find_user
    from kb.services.auth import revoke_api_token

    revoke_api_token(find_user(email), token_id)
    click.echo(f"token {token_id} revoked")


@click.group("freshness", help="Re-verification of published cases (last verified, review by).")
def freshness_group():
    pass


@freshness_group.command("due")
@click.option("--within", default=30, show_default=True, type=click.IntRange(0, 3650),
              help="also list cases due within this many days")
@click.option("--notify", is_flag=True, help="remind each case's organisation (in the site and by mail), once "
                                             "while due soon and once when overdue")
@with_appcontext
@commits
def freshness_due(within: int, notify: bool):
    """List published cases due for re-verification (tab-separated, most overdue first); for cron, with
    --notify. Exits 0 whether or not anything is due."""
    from kb.services import freshness

    reminded = {due.case.id for due in freshness.send_reminders()} if notify else set()
    due = freshness.due_cases(within_days=within)
    for entry in due:
        case = entry.case
        click.echo("\t".join([case.public_id, entry.status, case.review_by.isoformat(), str(entry.days),
                               case.organization.slug if case.organization else "-",
                               "reminded" if case.id in reminded else ""]).rstrip("\t"))
    log.info("%d case(s) due within %d days (%d overdue)%s", len(due), within,
             sum(1 for e in due if e.status == freshness.Freshness.OVERDUE),
             f"; {len(reminded)} organisation reminder(s) sent" if notify else "")


@click.group("mail", help="Outgoing email (kept in the database; sent when KB_SMTP_HOST is set).")
def mail_group():
    pass


@mail_group.command("send")
@click.option("--follow", is_flag=True, help="keep running, sending new mail as it is queued")
@click.option("--interval", default=5.0, show_default=True, help="seconds between polls with --follow")
@with_appcontext
def mail_send(follow: bool, interval: float):
    """Send every unsent message over SMTP."""
    from flask import current_app

    from kb.services.notifications import deliver_pending_email

    if not current_app.config.get("KB_SMTP_HOST"):
        raise click.ClickException("KB_SMTP_HOST is not set: mail is only logged and kept in the database.")
    while True:
        sent = deliver_pending_email()
        if sent or not follow:
            click.echo(f"sent {sent} message(s)")
        if not follow:
            return
        db.session.remove()
        time.sleep(interval)


@mail_group.command("digest")
@click.option("--frequency", type=click.Choice(["daily", "weekly"]), required=True,
              help="which followers to write to: run daily ones every day and weekly ones every week (cron)")
@with_appcontext
@commits
def mail_digest(frequency: str):
    """Mail each follower of a search what was newly published or versioned since their last digest."""
    from flask import current_app

    from kb.services.alerts import send_digests
    from kb.services.notifications import deliver_pending_email

    report = send_digests(frequency)
    db.session.commit()
    if current_app.config.get("KB_SMTP_HOST"):
        while deliver_pending_email():
            pass
    click.echo(f"{report.sent} digest(s) queued for {report.alerts} {frequency} alert(s)")


@click.command("demo-accounts")
@with_appcontext
@commits
def demo_command():
    """Create one demo account per role (idempotent) and print the logins."""
    from kb.services.accounts import ensure_demo_accounts

    accounts = ensure_demo_accounts(Path(current_app.config["INSTANCE_DIR"]))
    click.echo("Demo accounts (passwords kept in instance/demo-accounts.txt):")
    for account in accounts:
        click.echo(f"  {account['role']:<10} {account['email']:<28} {account['password']}")


# ---------------------------------------------------------------------------------------------------
# serving


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=lambda: (os.cpu_count() or 1) * 2, type=int,
              help="gunicorn sync workers [default: 2 per core]")
@with_appcontext
def serve_command(host: str, port: int, workers: int):
    """Serve the site with gunicorn (a production WSGI server)."""
    from kb import search

    if search.ensure_index():
        log.info("search index was missing or unreadable: rebuilt from the database")
    search.sync(blocking=True)
    # Each worker applies queued changes from a background thread (see kb.search).
    os.environ.setdefault("KB_INDEX_SYNC", "background")
    arguments = [
        sys.executable, "-m", "gunicorn", "kb.wsgi:app",
        "--bind", f"{host}:{port}", "--workers", str(workers), "--worker-class", "sync",
        "--access-logfile", "-", "--error-logfile", "-", "--timeout", "60",
        "--access-logformat", '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
    ]
    log.info("serving on http://%s:%d with %d workers", host, port, workers)
    os.execv(sys.executable, arguments)


# ---------------------------------------------------------------------------------------------------
# Backups


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(folder: Path):
    """Write a consistent backup of the library (database with attachments, manifest) into FOLDER."""
    from kb.services import backup

    try:
        manifest = backup.backup(folder, instance_dir=current_app.config["INSTANCE_DIR"])
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backed up {sum(manifest['rows'].values())} rows ({manifest['rows'].get('cases', 0)} cases, "
               f"{manifest['bytes']} bytes) of {manifest['database']} to {folder}; "
               f"secret key: {manifest['secret_key']}")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(folder: Path):
    """Restore the backup in FOLDER into this instance's (empty) database and rebuild the search index."""
    from kb.services import backup

    try:
        manifest = backup.restore(folder)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {sum(manifest['rows'].values())} rows ({manifest['rows'].get('cases', 0)} cases) "
               f"from {folder}; search index rebuilt ({manifest['indexed']} cases)")
