"""Following a search by email: logged-in users at once, visitors with double opt-in, digests in the
follower's language sent by `kb mail digest`, one-click unsubscribe without login, limits per address."""
from __future__ import annotations

import datetime as dt
import email
import re
from email import policy

from lxml import etree
from sqlalchemy import select

from kb.extensions import db
from kb.models import Alert, EmailMessage
from tests.conftest import csrf_token_for

PAST = dt.datetime(2025, 12, 31, tzinfo=dt.timezone.utc)


def mails_to(address: str) -> list[EmailMessage]:
    return list(db.session.scalars(select(EmailMessage).where(EmailMessage.recipient == address)
                                   .order_by(EmailMessage.id)))


def visitor_follows(client, query: dict, address: str = "asha@example.org", frequency: str = "weekly",
                    remote: str = "203.0.113.9"):
    token = csrf_token_for(client, "/alerts/new")
    return client.post("/alerts", data={"csrf_token": token, "email": address, "frequency": frequency, **query},
                       environ_base={"REMOTE_ADDR": remote})


def confirmation_link(address: str) -> str:
    body = mails_to(address)[-1].body
    return re.search(r"(/(?:en|hi)/alerts/\d+/confirm/\w+)", body).group(1)


def follow_confirmed(client, query: dict, address: str = "asha@example.org") -> Alert:
    assert visitor_follows(client, query, address).status_code == 200
    link = confirmation_link(address)
    assert client.post(link, data={"csrf_token": csrf_token_for(client, link)}).status_code == 200
    alert = db.session.scalar(select(Alert).where(Alert.email == address).order_by(Alert.id.desc()))
    alert.confirmed_at = PAST  # as if confirmed before the cases below were published
    db.session.commit()
    return alert


def test_the_search_mmp_and_state_pages_offer_to_follow_by_email(client, make_case):
    make_case(901)
    for page, follow in (("/cases?q=kiosks&state=KA&page=2", "/alerts/new?q=kiosks&state=KA"),
                         ("/mmps/land-records", "/alerts/new?mmp=land-records"),
                         ("/hi/states/KA", "/hi/alerts/new?state=KA")):
        tree = etree.HTML(client.get(page).get_data(as_text=True))
        assert tree.xpath(f'//main//a[@href="{follow}"]'), page
    form = etree.HTML(client.get("/en/alerts/new?q=kiosks&state=KA").get_data(as_text=True))
    assert "“kiosks”; Karnataka" in "".join(form.xpath("//main//text()"))


def test_a_visitor_confirms_by_the_mailed_link_before_anything_is_sent(client, make_case):
    response = visitor_follows(client, {"state": "KA"})
    assert response.status_code == 200
    assert "asha@example.org" not in response.get_data(as_text=True), "the address is never shown"
    [mail] = mails_to("asha@example.org")
    assert "Karnataka" in mail.body and "weekly" in mail.body
    alert = db.session.scalar(select(Alert))
    assert alert.confirmed_at is None and alert.user_id is None
    link = confirmation_link("asha@example.org")
    page = client.get(link)
    assert page.status_code == 200 and db.session.get(Alert, alert.id).confirmed_at is None, "a GET confirms nothing"
    assert client.post(link, data={"csrf_token": csrf_token_for(client, link)}).status_code == 200
    assert db.session.get(Alert, alert.id).confirmed_at is not None
    assert client.get(link.replace("/confirm/", "/confirm/0")).status_code == 200  # a page saying it is not valid
    assert client.post(link[:-3] + "abc", data={"csrf_token": csrf_token_for(client, link)}).status_code == 404


def test_an_unconfirmed_visitor_gets_no_digest(client, runner, make_case):
    visitor_follows(client, {"state": "KA"})
    db.session.scalar(select(Alert)).created_at = PAST
    db.session.commit()
    make_case(901)
    result = runner.invoke(args=["mail", "digest", "--frequency", "weekly"])
    assert result.exit_code == 0, result.output
    assert len(mails_to("asha@example.org")) == 1, "only the confirmation"


def test_the_digest_lists_new_cases_of_the_search_with_one_click_unsubscribe(client, runner, make_case):
    alert = follow_confirmed(client, {"state": "KA"})
    make_case(901, title="Karnataka kiosks", published=dt.date(2026, 1, 3))
    make_case(902, state="OD", title="Odisha practice", published=dt.date(2026, 1, 4))
    result = runner.invoke(args=["mail", "digest", "--frequency", "weekly"])
    assert result.exit_code == 0 and "1 digest(s) queued for 1 weekly alert(s)" in result.output
    digest = mails_to("asha@example.org")[-1]
    assert "Karnataka kiosks (KB-0901, new case study)" in digest.body
    assert "/en/cases/KB-0901" in digest.body and "Odisha" not in digest.body
    unsubscribe = digest.headers["List-Unsubscribe"].strip("<>")
    assert digest.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in digest.body
    assert runner.invoke(args=["mail", "digest", "--frequency", "daily"]).output.startswith("0 digest(s)")
    runner.invoke(args=["mail", "digest", "--frequency", "weekly"])
    assert len(mails_to("asha@example.org")) == 2, "nothing new, nothing sent"

    make_case(901, title="Karnataka kiosks, revised")  # version 2, published now
    runner.invoke(args=["mail", "digest", "--frequency", "weekly"])
    assert "Karnataka kiosks, revised (KB-0901, new version 2)" in mails_to("asha@example.org")[-1].body

    # RFC 8058: the mail client posts to the link, with no cookie and no CSRF token
    fresh = client.application.test_client()
    response = fresh.post(unsubscribe.removeprefix("http://kb.test"), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert db.session.get(Alert, alert.id) is None
    assert fresh.post(unsubscribe.removeprefix("http://kb.test")).status_code == 200, "twice is harmless"


def test_the_digest_of_a_hindi_follower_is_in_hindi(client, runner, make_case):
    token = csrf_token_for(client, "/hi/alerts/new")
    client.post("/hi/alerts", data={"csrf_token": token, "email": "ravi@example.org", "frequency": "daily",
                                    "mmp": "land-records"})
    assert "पुष्टि" in mails_to("ravi@example.org")[0].body
    link = confirmation_link("ravi@example.org")
    assert link.startswith("/hi/")
    client.post(link, data={"csrf_token": csrf_token_for(client, link)})
    db.session.scalar(select(Alert)).confirmed_at = PAST
    db.session.commit()
    make_case(901, translated_title="नमूना प्रथा", published=dt.date(2026, 1, 3))
    runner.invoke(args=["mail", "digest", "--frequency", "daily"])
    digest = mails_to("ravi@example.org")[-1]
    assert "नमूना प्रथा (KB-0901, नया केस अध्ययन)" in digest.body
    assert "/hi/cases/KB-0901" in digest.body and "भूमि" in digest.subject


def test_a_logged_in_user_follows_at_once_and_manages_alerts_under_the_account(client, runner, make_user, login_as,
                                                                               make_case):
    trainer = make_user("trainer", email="trainer@ati.example.org")
    login_as(client, trainer)
    token = csrf_token_for(client, "/alerts/new?tag=kiosks")
    response = client.post("/alerts", data={"csrf_token": token, "frequency": "daily", "tag": "kiosks", "page": "4"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/alerts")
    alert = db.session.scalar(select(Alert))
    assert alert.user_id == trainer.id and alert.confirmed_at is not None and alert.query == "tag=kiosks"
    assert not mails_to(trainer.email), "no confirmation needed"
    listing = etree.HTML(client.get("/account/alerts").get_data(as_text=True))
    assert listing.xpath('//td/a[@href="/cases?tag=kiosks"]/text()') == ["kiosks"]
    assert "trainer@ati.example.org" not in client.get("/account/alerts").get_data(as_text=True).split("<main")[1]

    alert.confirmed_at = PAST
    db.session.commit()
    make_case(901, tags=["kiosks"], published=dt.date(2026, 1, 3))
    runner.invoke(args=["mail", "digest", "--frequency", "daily"])
    assert "KB-0901" in mails_to(trainer.email)[-1].body and "/account/alerts" in mails_to(trainer.email)[-1].body

    other = make_user("trainer", email="other@ati.example.org")
    login_as(client, other)
    token = csrf_token_for(client, "/account/alerts")
    assert client.post(f"/account/alerts/{alert.id}/delete", data={"csrf_token": token}).status_code == 404
    login_as(client, trainer)
    token = csrf_token_for(client, "/account/alerts")
    assert client.post(f"/account/alerts/{alert.id}/delete", data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(select(Alert)) is None


def test_addresses_are_rate_limited_without_telling_anything(client):
    for _ in range(5):
        assert visitor_follows(client, {"state": "KA"}).status_code == 200
    assert len(mails_to("asha@example.org")) == 3, "three confirmation mails a day at most"
    for number in range(7):  # ten requests that mailed something, from one network address
        assert visitor_follows(client, {"state": "KA"}, address=f"person{number}@example.org").status_code == 200
    response = visitor_follows(client, {"state": "KA"}, address="late@example.org")
    assert response.status_code == 429 and response.headers["Retry-After"] == "3600"
    assert visitor_follows(client, {"state": "KA"}, address="late@example.org", remote="198.51.100.7").status_code == 200


def test_bad_input_is_a_400_naming_the_field(client):
    assert visitor_follows(client, {"state": "KA"}, address="not-an-address").status_code == 400
    response = visitor_follows(client, {"state": "KA"}, frequency="hourly")
    assert response.status_code == 400 and 'id="frequency"' in response.get_data(as_text=True)
    assert visitor_follows(client, {"year": "soon"}).status_code == 400
    response = visitor_follows(client, {"tag": [f"tag-number-{n}" for n in range(300)]})
    assert response.status_code == 400 and "too long" in response.get_data(as_text=True)


def test_a_digest_goes_out_over_smtp_with_its_unsubscribe_headers(app, client, runner, make_case, smtp_server):
    port, received = smtp_server
    follow_confirmed(client, {"state": "KA"})
    make_case(901, published=dt.date(2026, 1, 3))
    app.config.update(KB_SMTP_HOST="127.0.0.1", KB_SMTP_PORT=port, KB_SMTP_STARTTLS=False,
                      KB_BASE_URL="https://kb.example.gov.in")
    runner.invoke(args=["mail", "digest", "--frequency", "weekly"])
    digests = [content for recipients, content in received if "List-Unsubscribe" in content]
    assert len(digests) == 1
    message = email.message_from_string(digests[0], policy=policy.default)
    assert re.fullmatch(r"<https://kb\.example\.gov\.in/en/alerts/\d+/unsubscribe/\w+>", message["List-Unsubscribe"])
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "KB-0901" in message.get_content()
