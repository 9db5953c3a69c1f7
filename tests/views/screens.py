"""Helpers for the tests of the submission, review and notification screens (not collected itself):
reading a page as a person does, and posting a form with its CSRF token as a browser does."""
from __future__ import annotations

import re

from tests.conftest import csrf_token_for


def text_of(response) -> str:
    return response.get_data(as_text=True)


def visible_text(response_or_html) -> str:
    """The page as a person reads it: tags dropped, entities decoded, whitespace collapsed."""
    import html

    page = response_or_html if isinstance(response_or_html, str) else text_of(response_or_html)
    body = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    body = re.sub(r"</?(?:a|span|strong|em|b|i|del|ins|time|abbr|code)\b[^>]*>", "", body)  # inline: no gap
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def csrf_token(client, path: str | None = None) -> str:
    """A CSRF token of the client's session, read from a form on a page, as a browser would."""
    return csrf_token_for(client, path)


def post(client, path: str, data: dict | None = None, *, token_from: str | None = None, **kwargs):
    """POST a form with the session's CSRF token (as the browser sends it with every form)."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client, token_from))
    return client.post(path, data=data, **kwargs)


def field_value(page: str, name: str) -> str | None:
    """The value a text input (or the text of a textarea) named ``name`` shows, HTML entities decoded."""
    import html

    match = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*\bvalue="([^"]*)"', page)
    if match:
        return html.unescape(match.group(1))
    match = re.search(rf'<textarea[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(match.group(1)) if match else None


def form_fields(submission: dict) -> dict:
    """A complete submission (tests/conftest.py SUBMISSION) as the case form posts it."""
    data = {key: submission[key] for key in ("title", "summary", "body", "mmp", "state", "department", "stage",
                                             "language")}
    data.update({key: submission.get(key, "") for key in ("translated_title", "translated_summary")})
    data["year"] = str(submission["year"])
    data["tags"] = ", ".join(submission["tags"])
    for i, outcome in enumerate(submission.get("outcomes", [])):
        for key in ("label", "before", "after", "unit", "source"):
            data[f"outcomes-{i}-{key}"] = "" if outcome.get(key) is None else str(outcome[key])
    for i, link in enumerate(submission.get("links", [])):
        data[f"links-{i}-title"], data[f"links-{i}-url"] = link["title"], link["url"]
    for i, contact in enumerate(submission.get("contacts", [])):
        for key in ("name", "organization", "email", "phone", "url"):
            data[f"contacts-{i}-{key}"] = contact.get(key) or ""
    return data
