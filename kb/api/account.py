"""The caller's own things: who the token belongs to, and their notifications."""
from __future__ import annotations

from flask import request

from kb.api import api
from kb.api import requests as parse
from kb.api.auth import caller, token_required
from kb.api.submission_serializers import me_json, notification_json
from kb.errors import ValidationError
from kb.extensions import db
from kb.services import notifications
from kb.validation import whole_number

_TRUE, _FALSE = ("1", "true", "yes"), ("", "0", "false", "no")


@api.get("/me")
@token_required
def me():
    return me_json(caller())


@api.get("/notifications")
@token_required
def list_notifications():
    page, per_page = parse.paging()
    unread = request.args.get("unread", "").lower()
    if unread not in _TRUE + _FALSE:
        raise ValidationError("Invalid filter.", {"unread": "must be true or false"})
    listing = notifications.page_of_notifications(caller(), unread_only=unread in _TRUE, page=page,
                                                  per_page=per_page)
    return {"total": listing.total, "page": page, "per_page": per_page,
            "unread": notifications.unread_count(caller()),
            "results": [notification_json(item) for item in listing.items]}


@api.post("/notifications/read")
@token_required
def mark_notifications_read():
    """Mark the given notifications (``{"ids": [...]}``) or, without ``ids``, all of them read."""
    data = parse.only(parse.json_object(required=False), ("ids",))
    ids = data.get("ids")
    if ids is not None and (not isinstance(ids, list)
                            or len(ids) > 1000 or not all(whole_number(i) is not None for i in ids)):
        raise ValidationError("Some fields need attention.", {"ids": "must be an array of notification ids"})
    marked = notifications.mark_read(caller(), ids)
    db.session.commit()
    return {"marked": marked, "unread": notifications.unread_count(caller())}
