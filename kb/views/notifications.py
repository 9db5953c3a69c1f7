"""The user's notifications: a page at a time (newest first, unread marked), and marking them read."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from kb.extensions import db
from kb.services import catalog
from kb.validation import whole_number
from kb.services import notifications as service

notifications = Blueprint("notifications", __name__)

PER_PAGE = 30


@notifications.get("/notifications")
@login_required
def index():
    page, _per_page = catalog.parse_paging(request.args.get("page"), None)
    unread_only = request.args.get("show") == "unread"
    listing = service.page_of_notifications(current_user, unread_only=unread_only, page=page, per_page=PER_PAGE)
    return render_template("notifications/index.html", listing=listing,
                           unread_only=unread_only, unread=service.unread_count(current_user))


@notifications.post("/notifications/<int:notification_id>/read")
@login_required
def mark_one_read(notification_id: int):
    service.mark_read(current_user, [notification_id])
    db.session.commit()
    return redirect(_back_to_the_list() + f"#notification-{notification_id}")


@notifications.post("/notifications/read")
@login_required
def mark_all_read():
    service.mark_read(current_user)
    db.session.commit()
    return redirect(url_for(".index"))


def _back_to_the_list() -> str:
    """The list as the form was on it: its page and view (bad values fall back to the first page of all)."""
    page = request.form.get("page", "")
    return url_for(".index", page=whole_number(page) if (whole_number(page) or 0) > 1 else None,
                   show="unread" if request.form.get("show") == "unread" else None)
