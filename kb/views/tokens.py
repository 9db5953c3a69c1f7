"""Personal API tokens on the user's account page: create one (its value shown once), list, revoke.

Only the token's hash is stored (``kb.services.auth``). The page that shows a new token is the answer to
the POST that made it, sent with ``Cache-Control: no-store``, so the value is never in a cookie, a flash
message, a redirect or a cache. The site knows only login sessions: a token cannot drive these forms.
"""
from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kb.errors import ValidationError
from kb.extensions import db
from kb.services import auth as auth_service

tokens = Blueprint("tokens", __name__)

MAX_NAME = 100


def _page(*, new_token: str | None = None, error: ValidationError | None = None, name: str = "", status: int = 200):
    response = make_response(render_template(
        "tokens/index.html", tokens=auth_service.list_api_tokens(current_user), new_token=new_token,
        error=error, name=name), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@tokens.get("/account/tokens")
@login_required
def index():
    return _page()


@tokens.post("/account/tokens")
@login_required
def create():
    name = request.form.get("name", "").strip()
    if len(name) > MAX_NAME:
        return _page(error=ValidationError(_("The name is too long."), {"name": _("at most %(n)d characters", n=MAX_NAME)}),
                     name=name, status=400)
    _token, raw = auth_service.create_api_token(current_user, name)
    db.session.commit()
    return _page(new_token=raw)


@tokens.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    auth_service.revoke_api_token(current_user, token_id)  # another user's token: 404, as if missing
    db.session.commit()
    flash(_("The token was revoked: it no longer works."), "success")
    return redirect(url_for(".index"))
