"""The site's own pages (GIGW 3.0): About, Contact, Help, the policies, the HTML sitemap and Feedback.

Each page of ``kb.services.site_pages.PAGES`` gets its address here; their text comes from
``content/pages`` through the database. The feedback form keeps what was typed when something is wrong.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kb.errors import TooManyRequests, ValidationError
from kb.extensions import db
from kb.i18n import current_language
from kb.models import FeedbackCategory
from kb.services import catalog, feedback, site_pages

site = Blueprint("site", __name__)


def endpoint_of(slug: str) -> str:
    return "page_" + slug.replace("-", "_")


def page_url(slug: str) -> str:
    return url_for(f"site.{endpoint_of(slug)}")


def show_page(slug: str):
    page = site_pages.get_page(slug)
    if slug == "sitemap":
        mmps, states = catalog.taxonomy()
        return render_template("site/sitemap.html", page=page, mmps=mmps, states=states,
                               groups={group: site_pages.pages_in(group) for group in ("about", "help", "policies")})
    if slug == "feedback":
        return _feedback_form(page)
    return render_template("site/page.html", page=page)


for _spec in site_pages.PAGES:
    site.add_url_rule(_spec.path, endpoint=endpoint_of(_spec.slug), view_func=show_page,
                      defaults={"slug": _spec.slug}, methods=["GET"])


@site.post("/feedback")
def send_feedback():
    values = {key: request.form.get(key, "") for key in ("name", "email", "category", "message", "page_url")}
    try:
        feedback.send_feedback(name=values["name"], email=values["email"], category=values["category"],
                               message=values["message"], page_url=values["page_url"],
                               address=request.remote_addr or "unknown", language=current_language(),
                               user=current_user if current_user.is_authenticated else None)
    except ValidationError as error:
        db.session.rollback()
        return _feedback_form(site_pages.get_page("feedback"), values=values, error=error, status=400)
    except TooManyRequests as error:
        db.session.rollback()
        return _feedback_form(site_pages.get_page("feedback"), values=values, error=error, status=429,
                              headers={"Retry-After": str(error.retry_after)})
    db.session.commit()
    flash(_("Thank you. Your message has been sent; a reply will come to the email address you gave."), "success")
    return redirect(page_url("feedback"))


def _feedback_form(page, *, values=None, error=None, status=200, headers=None):
    if values is None:
        values = {"name": "", "email": "", "category": request.args.get("category", ""), "message": "",
                  "page_url": request.args.get("from", "")}
        if current_user.is_authenticated:
            values.update(name=current_user.name, email=current_user.email)
    return render_template("site/feedback.html", page=page, values=values, error=error,
                           categories=FeedbackCategory.labels()), status, headers or {}


FEEDBACK_LABELS = {"name": _l("Your name"), "email": _l("Your email address"), "category": _l("What is it about?"),
                   "message": _l("Your message")}
