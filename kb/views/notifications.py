"""The user's notifications: the list (newest first, unread marked) and marking them read."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from kb.extensions import db
from kb.services import notifications as service

notifications = Blueprint("notifications", __name__)


@notifications.get("/notifications")
@login_required
def index():
    items = service.list_notifications(current_user)
    return render_template("notifications/index.html", items=items, unread=service.unread_count(current_user))


@notifications.post("/notifications/<int:notification_id>/read")
@login_required
def mark_one_read(notification_id: int):
    service.mark_read(current_user, [notification_id])
    db.session.commit()
    return redirect(url_for(".index") + f"#notification-{notification_id}")


@notifications.post("/notifications/read")
@login_required
def mark_all_read():
    service.mark_read(current_user)
    db.session.commit()
    return redirect(url_for(".index"))
