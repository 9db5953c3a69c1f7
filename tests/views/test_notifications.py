"""The notifications page over HTTP: newest first, a page at a time, unread marked, marked read only by a POST."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from kb.extensions import db
from kb.models import Notification
from kb.services import notifications
from tests.views.screens import post, text_of, visible_text


def notify(user, message: str, *, minutes_ago: int = 0) -> Notification:
    notifications.notify([user], kind="comment", case=None, message=message)
    item = db.session.scalar(select(Notification).where(Notification.message == message))
    item.created_at = item.created_at - dt.timedelta(minutes=minutes_ago)
    db.session.commit()
    return item


def test_the_list_shows_newest_first_with_unread_ones_marked(client, make_user, login_as):
    user = make_user("submitter")
    notify(user, "An older message about KB-0001", minutes_ago=30)
    read = notify(user, "A message already read", minutes_ago=20)
    notify(user, "The newest message about KB-0002")
    notifications.mark_read(user, [read.id])
    db.session.commit()
    login_as(client, user)

    text = visible_text(client.get("/notifications"))

    assert "Notifications" in text and "2 unread" in text
    assert text.index("The newest message") < text.index("A message already read") < text.index("An older message")
    assert "New The newest message about KB-0002" in text
    assert "New A message already read" not in text


def test_every_notification_is_reachable_a_page_at_a_time_and_unread_ones_on_their_own(client, make_user,
                                                                                      login_as):
    user = make_user("submitter")
    items = [notify(user, f"Message number {n:02d}.", minutes_ago=100 - n) for n in range(35)]  # 34 is newest
    notifications.mark_read(user, [item.id for item in items[10:]])
    db.session.commit()
    login_as(client, user)

    first = visible_text(client.get("/notifications"))
    assert "Message number 34." in first and "Message number 05." in first and "Message number 04." not in first
    assert "Page 1 of 2" in first
    second = visible_text(client.get("/notifications?page=2"))
    assert [f"Message number {n:02d}." in second for n in (4, 0, 5)] == [True, True, False]

    unread = client.get("/notifications?show=unread")
    assert [f"Message number {n:02d}." in visible_text(unread) for n in (9, 0, 10)] == [True, True, False]
    assert "Page 1 of" not in visible_text(unread)

    response = post(client, f"/notifications/{items[0].id}/read", {"page": "2"})
    assert response.headers["Location"].endswith(f"/notifications?page=2#notification-{items[0].id}")
    response = post(client, f"/notifications/{items[1].id}/read", {"page": "1", "show": "unread"})
    assert response.headers["Location"].endswith(f"/notifications?show=unread#notification-{items[1].id}")
    assert notifications.unread_count(user) == 8
    assert client.get("/notifications?page=0").status_code == 400
    beyond = visible_text(client.get("/notifications?page=3"))
    assert "There is no page 3." in beyond and "No notifications yet" not in beyond


def test_workflow_events_arrive_as_notifications_linking_to_the_submission(client, make_user, make_submission,
                                                                          login_as):
    submitter = make_user("submitter")
    case, _ = make_submission("changes_requested", submitter=submitter)
    login_as(client, submitter)
    response = client.get("/notifications")
    text = visible_text(response)
    assert f"Changes were requested on {case.public_id}" in text and "needs work" in text
    assert f'href="/submissions/{case.public_id}"' in text_of(response)


def test_marking_one_read(client, make_user, login_as):
    user = make_user("submitter")
    first = notify(user, "First message")
    notify(user, "Second message")
    login_as(client, user)
    response = post(client, f"/notifications/{first.id}/read")
    assert response.status_code == 302
    text = visible_text(client.get("/notifications"))
    assert "1 unread" in text and "New Second message" in text and "New First message" not in text


def test_marking_all_read(client, make_user, login_as):
    user = make_user("submitter")
    for n in range(3):
        notify(user, f"Message {n}")
    login_as(client, user)
    assert post(client, "/notifications/read").status_code == 302
    assert notifications.unread_count(user) == 0
    text = visible_text(client.get("/notifications"))
    assert "unread" not in text and "Mark all as read" not in text


def test_nobody_marks_another_persons_notifications(client, make_user, login_as):
    owner, other = make_user("submitter"), make_user("submitter")
    item = notify(owner, "Private to the owner")
    login_as(client, other)
    assert "Private to the owner" not in visible_text(client.get("/notifications"))
    post(client, f"/notifications/{item.id}/read")
    post(client, "/notifications/read")
    assert notifications.unread_count(owner) == 1


def test_reading_the_list_marks_nothing_and_marking_needs_a_post(client, make_user, login_as):
    user = make_user("submitter")
    item = notify(user, "Still unread")
    login_as(client, user)
    client.get("/notifications")
    assert client.get(f"/notifications/{item.id}/read").status_code == 405
    assert client.post(f"/notifications/{item.id}/read").status_code == 400, "no CSRF token"
    assert notifications.unread_count(user) == 1


def test_notifications_need_a_login(client, app):
    assert client.get("/notifications").status_code in (302, 401)
