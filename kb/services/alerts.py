"""Alerts: following a search by email, and the digests that tell followers what is new.

Anything ``/cases`` can show can be followed: a search, an MMP, a state, a tag (each is a query string of
``/cases``; only its search arguments are kept, so paging and sorting never make two alerts of one).

- A logged-in user follows at once; the digest goes to their account's address, in their account's
  language, and their alerts are listed under their account.
- A visitor gives an address, which is mailed a confirmation link (double opt-in): nothing else is sent to
  it until the link is used. The page answers the same whatever the address (already following, limit
  reached), so it tells nobody whether an address is known. One address receives at most
  ``MAX_CONFIRMATIONS_PER_DAY`` confirmation mails a day, and one network address may ask at most
  ``MAX_REQUESTS_PER_HOUR`` times an hour for a confirmation mail (429 after that); addresses are never
  shown on any page.
- ``send_digests(frequency)`` (``kb mail digest``, from cron) mails each confirmed follower of that
  frequency the cases of their search newly published or newly versioned since their last digest, in the
  follower's language, with a one-click unsubscribe link (``List-Unsubscribe`` and
  ``List-Unsubscribe-Post``, RFC 8058) that needs no login.

Links in mail carry a keyed hash of the alert (``token_for``), so they need no stored secret and stop
working when the alert is gone. Functions flush; the caller commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
from urllib.parse import parse_qs, urlencode

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from kb import i18n
from kb.errors import NotFound, TooManyRequests, ValidationError
from kb.extensions import db
from kb.models import Alert, AlertFrequency, Case, EvidenceGrade, MmpCategory, Revision, User, utcnow
from kb.services import catalog
from kb.services.feedback import sender_key
from kb.services.notifications import queue_email
from kb.validation import MISSING, is_email_address

SEARCH_ARGUMENTS = ("q", "mmp", "mmp_category", "state", "year", "tag", "language", "evidence", "award")
MAX_CONFIRMATIONS_PER_DAY = 3
MAX_REQUESTS_PER_HOUR = 10
MAX_ALERTS_PER_USER = 100
MAX_QUERY = 2000  # characters of the followed query string (the column's size)


# ---------------------------------------------------------------------------------------------------
# What is followed


def normalise_query(arguments: dict[str, list[str]]) -> str:
    """The search's own arguments as one canonical query string (``ValidationError`` on a bad filter)."""
    filters = catalog.parse_filters(arguments)
    pairs = []
    q = " ".join(" ".join(arguments.get("q", [])).split())
    if q:
        pairs.append(("q", q[:500]))
    for facet, values in filters.active().items():
        pairs += [(facet, str(value)[:200]) for value in sorted({str(v) for v in values})]
    query = urlencode(pairs)
    if len(query) > MAX_QUERY:
        raise ValidationError(_l("Please correct the marked fields."), {"query": _l("this search is too long to follow")})
    return query


def query_arguments(query: str) -> dict[str, list[str]]:
    return {key: values for key, values in parse_qs(query, keep_blank_values=False).items() if key in SEARCH_ARGUMENTS}


def describe(query: str) -> str:
    """What a followed search is, in words, in the current language: its text and its filters' names."""
    arguments = query_arguments(query)
    mmps, states = catalog.taxonomy()
    names = {"mmp": {m.slug: i18n.localized_name(m) for m in mmps},
             "state": {s.code: i18n.localized_name(s) for s in states},
             "language": dict(i18n.LANGUAGE_NAMES),
             "mmp_category": {key: str(label) for key, label in MmpCategory.labels().items()},
             "evidence": {key: str(label) for key, label in EvidenceGrade.labels().items()}}
    parts = [f"“{arguments['q'][0]}”"] if arguments.get("q") else []
    for facet in SEARCH_ARGUMENTS[1:]:
        if arguments.get(facet):
            parts.append(", ".join(names.get(facet, {}).get(value, value) for value in arguments[facet]))
    return "; ".join(parts) if parts else _("All new case studies")


# ---------------------------------------------------------------------------------------------------
# Following and unfollowing


def _frequency(value: str | None) -> str:
    if (value or AlertFrequency.weekly.value) not in {f.value for f in AlertFrequency}:
        raise ValidationError(_l("Please correct the marked fields."), {"frequency": _l("choose daily or weekly")})
    return value or AlertFrequency.weekly.value


def follow(user: User, arguments: dict[str, list[str]], frequency: str | None) -> Alert:
    """A logged-in user follows a search (confirmed at once; the same search again changes its frequency)."""
    query, frequency = normalise_query(arguments), _frequency(frequency)
    alert = db.session.scalar(select(Alert).where(Alert.user_id == user.id, Alert.query == query))
    if alert is None:
        count = db.session.scalar(select(func.count()).select_from(Alert).where(Alert.user_id == user.id)) or 0
        if count >= MAX_ALERTS_PER_USER:
            raise ValidationError(_l("Please correct the marked fields."),
                                  {"query": _l("you follow %(limit)s searches already", limit=MAX_ALERTS_PER_USER)})
        alert = Alert(user_id=user.id, query=query, language=user.language, confirmed_at=utcnow())
        db.session.add(alert)
    alert.frequency = frequency
    db.session.flush()
    return alert


def request_follow(email: str, arguments: dict[str, list[str]], frequency: str | None, *, language: str,
                   address: str, now: dt.datetime | None = None) -> None:
    """A visitor asks to follow a search: a confirmation link is mailed to the address (double opt-in).
    Returns nothing, and answers the same whether or not a mail went out, so nothing is learnt about an
    address."""
    now = now or utcnow()
    email = " ".join((email or "").split()).lower()
    if not email:
        raise ValidationError(_l("Please correct the marked fields."), {"email": MISSING})
    if not is_email_address(email) or len(email) > 254:
        raise ValidationError(_l("Please correct the marked fields."), {"email": _l("not an email address")})
    query, frequency = normalise_query(arguments), _frequency(frequency)
    sender = sender_key(address)
    recent = db.session.scalar(select(func.count()).select_from(Alert).where(
        Alert.sender_key == sender, Alert.created_at > now - dt.timedelta(hours=1))) or 0
    if recent >= MAX_REQUESTS_PER_HOUR:
        raise TooManyRequests(_l("Too many requests to follow searches from your network address. Please try "
                                 "again in an hour."), retry_after=3600)
    confirmations_today = db.session.scalar(select(func.count()).select_from(Alert).where(
        Alert.email == email, Alert.created_at > now - dt.timedelta(days=1))) or 0
    already = db.session.scalar(select(Alert.id).where(Alert.email == email, Alert.query == query,
                                                       Alert.confirmed_at.is_not(None)))
    if already is not None or confirmations_today >= MAX_CONFIRMATIONS_PER_DAY:
        return
    language = language if language in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
    alert = Alert(email=email, query=query, frequency=frequency, language=language, sender_key=sender, created_at=now)
    db.session.add(alert)
    db.session.flush()
    with i18n.in_language(language):
        site = i18n.site_setting("KB_SITE_NAME")
        body = _("Someone, probably you, asked %(site)s to email this address when new case studies match: "
                 "%(search)s (%(frequency)s).", site=site, search=describe(query),
                 frequency=str(AlertFrequency(frequency).label).lower())
        confirm_link = link(f"/alerts/{alert.id}/confirm/{token_for(alert, 'confirm')}", language)
        body += "\n\n" + _("To confirm, open this link:") + f"\n{confirm_link}\n\n"
        body += _("If you did not ask for this, ignore this message: nothing will be sent.") + "\n"
        queue_email(email, subject=f"[{site}] " + _("Confirm that you want email alerts"), body=body)


def alert_for_link(alert_id: int, token: str, purpose: str) -> Alert | None:
    """The alert a mailed link names (``purpose``: confirm, unsubscribe), if the link is valid."""
    alert = db.session.get(Alert, alert_id)
    if alert is None or not hmac.compare_digest(token_for(alert, purpose), token or ""):
        return None
    return alert


def confirm(alert_id: int, token: str) -> Alert:
    """A visitor's confirmation link was used: the alert starts (from now on)."""
    alert = alert_for_link(alert_id, token, "confirm")
    if alert is None:
        raise NotFound(_l("This confirmation link is not valid, or the alert was stopped."))
    if alert.confirmed_at is None:
        alert.confirmed_at = utcnow()
        db.session.flush()
    return alert


def unsubscribe(alert_id: int, token: str) -> bool:
    """Stop an alert from its mailed link (no login). ``True`` if it was stopped now, ``False`` if it was
    already gone; a link that never was valid is a ``NotFound``."""
    alert = alert_for_link(alert_id, token, "unsubscribe")
    if alert is None:
        if db.session.get(Alert, alert_id) is None:
            return False
        raise NotFound(_l("This unsubscribe link is not valid."))
    db.session.delete(alert)
    db.session.flush()
    return True


def alerts_of(user: User) -> list[Alert]:
    return list(db.session.scalars(select(Alert).where(Alert.user_id == user.id).order_by(Alert.created_at, Alert.id)))


def unfollow(user: User, alert_id: int) -> None:
    """A user stops one of their alerts (someone else's is a ``NotFound``, as if it did not exist)."""
    from kb import permissions

    alert = db.session.get(Alert, alert_id)
    if alert is None or not permissions.can(user, "delete", alert):
        raise NotFound(_l("No such alert."))
    db.session.delete(alert)
    db.session.flush()


def token_for(alert: Alert, purpose: str) -> str:
    """A keyed hash naming the alert, its recipient and what the link does."""
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    message = f"alert:{purpose}:{alert.id}:{alert.user_id or ''}:{alert.email or ''}".encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:40]


def link(path: str, language: str) -> str:
    """An absolute link for mail (``KB_BASE_URL``), under the reader's language prefix."""
    base = (current_app.config.get("KB_BASE_URL") or "").rstrip("/")
    return f"{base}/{language}{path}"


def unsubscribe_path(alert: Alert) -> str:
    return f"/alerts/{alert.id}/unsubscribe/{token_for(alert, 'unsubscribe')}"


# ---------------------------------------------------------------------------------------------------
# Digests


@dataclasses.dataclass
class DigestReport:
    alerts: int = 0  # confirmed alerts of the frequency
    sent: int = 0  # digests queued (alerts with something new)


def _newly_published(since: dt.datetime) -> list[Case]:
    """Published cases whose live version was published after ``since`` (new cases and new versions)."""
    return list(db.session.scalars(
        select(Case).join(Revision, Revision.id == Case.published_revision_id)
        .where(Revision.published_at > since)
        .options(joinedload(Case.published_revision), joinedload(Case.mmp), joinedload(Case.state))
        .order_by(Revision.published_at.desc(), Case.number)))


def send_digests(frequency: str, now: dt.datetime | None = None) -> DigestReport:
    """Queue one digest per confirmed alert of this frequency that has something new since its last one."""
    now = now or utcnow()
    frequency = _frequency(frequency)
    alerts = list(db.session.scalars(select(Alert).where(Alert.frequency == frequency,
                                                         Alert.confirmed_at.is_not(None))
                                     .options(joinedload(Alert.user)).order_by(Alert.id)))
    report = DigestReport(alerts=len(alerts))
    if not alerts:
        return report
    since_of = {alert.id: _aware(alert.last_sent_at or alert.confirmed_at) for alert in alerts}
    recent = _newly_published(min(since_of.values()))
    matches: dict[str, set[str]] = {}
    for alert in alerts:
        if alert.user is not None and not alert.user.can_act:
            continue
        fresh = [case for case in recent if _aware(case.published_revision.published_at) > since_of[alert.id]]
        if fresh and alert.query not in matches:
            arguments = query_arguments(alert.query)
            filters = catalog.parse_filters(arguments)
            matches[alert.query] = {public_id for batch in catalog.iter_search_ids(
                (arguments.get("q") or [""])[0], filters, sort="newest") for public_id in batch}
        fresh = [case for case in fresh if case.public_id in matches.get(alert.query, ())]
        if fresh:
            _queue_digest(alert, fresh)
            report.sent += 1
        alert.last_sent_at = now
    db.session.flush()
    return report


def _aware(when: dt.datetime) -> dt.datetime:
    return when.replace(tzinfo=dt.timezone.utc) if when.tzinfo is None else when


def _queue_digest(alert: Alert, cases: list[Case]) -> None:
    language = alert.user.language if alert.user is not None else alert.language
    with i18n.in_language(language):
        site = i18n.site_setting("KB_SITE_NAME")
        search = describe(alert.query)
        lines = [_("New on %(site)s for your search: %(search)s", site=site, search=search), ""]
        for case in cases:
            revision = case.published_revision
            title = revision.title_in(language).text
            what = (_("new case study") if revision.number == 1
                    else _("new version %(number)s", number=revision.number))
            lines += [f"* {title} ({case.public_id}, {what})", f"  {link(f'/cases/{case.public_id}', language)}", ""]
        unsubscribe = link(unsubscribe_path(alert), language)
        lines += ["--", _("You get this because you follow this search. To stop, open this link (no login "
                          "needed):"), unsubscribe]
        if alert.user is not None:
            lines += [_("Your alerts:") + " " + link("/account/alerts", language)]
        subject = f"[{site}] " + _("%(count)s new for: %(search)s", count=len(cases), search=search)
        message = queue_email(alert.recipient, subject=subject[:300], body="\n".join(lines) + "\n")
    message.headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
