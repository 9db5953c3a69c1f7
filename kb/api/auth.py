"""Who is calling the API: the user of a personal token sent as ``Authorization: Bearer <token>``, or nobody.

The site's session cookie is deliberately ignored here: a browser that is logged in to the site must not
be able to act through the API from another page (the API has no CSRF check because it needs a token).

- No ``Authorization`` header: an anonymous caller, who may read published content only; endpoints that
  need a caller answer 401.
- A header that is not a valid, unrevoked token of an active account: 401 on every endpoint, so a script
  with a revoked token fails loudly instead of silently seeing less. Each bad token counts as a failed
  attempt of the caller's address; after too many (with failed logins) a bad token is answered 429 for
  a while. A valid token is never refused for what others sent from the same address.
"""
from __future__ import annotations

import functools

from flask import g, request

from kb.api import api
from kb.database import commit_if_possible
from kb.errors import NotAuthenticated, TooManyAttempts
from kb.extensions import db
from kb.models import User
from kb.services import auth as auth_service

REALM = 'Bearer realm="kb"'


def caller() -> User | None:
    """The authenticated user of this API request, or None for an anonymous one."""
    return g.get("api_user")


def token_required(view):
    """The endpoint needs a caller: 401 without a token (whatever the rules would say after that)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if caller() is None:
            raise NotAuthenticated("This needs an API token: send 'Authorization: Bearer <token>'. "
                                   "Create one on your account page or with 'kb tokens create'.")
        return view(*args, **kwargs)

    wrapper.kb_token_required = True  # read by kb.api.openapi to document the 401
    return wrapper


@api.before_request
def authenticate() -> None:
    g.api_user = None
    header = request.headers.get("Authorization")
    if header is None:
        return
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("The Authorization header must be 'Bearer <token>'.")
    address = request.remote_addr or "unknown"
    # A valid token is always accepted, whatever others behind the same address (a NAT, a proxy) got
    # wrong: the throttle answers only wrong tokens, so it slows guessing without locking anyone out.
    user = auth_service.user_for_api_token(token.strip())
    if user is None:
        throttled = auth_service.address_is_suspect(address)
        auth_service.record_bad_api_token(address)
        commit_if_possible()  # the failure counts even though this request fails
        if throttled:
            raise TooManyAttempts("Too many failed attempts from your address. Wait a few minutes and try again.")
        raise NotAuthenticated("The API token is not valid: it is wrong, revoked, or its account is inactive.")
    if db.session.dirty:  # the token's last use, written at most every few minutes
        commit_if_possible()
    g.api_user = user


@api.after_request
def finish(response):
    """Nothing of a refused request is kept; a 401 says how to authenticate."""
    if response.status_code >= 400:
        db.session.rollback()
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", REALM)
    if response.status_code == 429:
        response.headers.setdefault("Retry-After", str(int(auth_service.THROTTLE_WINDOW.total_seconds())))
    response.vary.add("Authorization")
    if caller() is not None:  # an answer for one account is nobody else's
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response
