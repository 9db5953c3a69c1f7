"""The site's own pages (GIGW 3.0) in both languages, the deployer's identity, and the feedback form."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import EmailMessage, Feedback, Notification
from kb.services import site_pages
from kb.errors import ContentError
from kb.services.site_pages import PAGES, parse_page_file
from tests.conftest import CONTENT
from tests.views.screens import text_of, visible_text


@pytest.mark.parametrize("spec", PAGES, ids=lambda spec: spec.slug)
def test_every_gigw_page_is_there_in_english_and_hindi(client, library, spec):
    english = client.get(spec.path)
    hindi = client.get("/hi" + spec.path)
    assert english.status_code == hindi.status_code == 200
    english_page, hindi_page = text_of(english), text_of(hindi)
    assert '<html lang="en"' in english_page and '<html lang="hi"' in hindi_page
    title = re.search(r"<h1>(.*?)</h1>", hindi_page).group(1)
    assert re.search(r"[\u0900-\u097f]", title), f"the Hindi page's title is Hindi: {title}"
    assert "Last updated:" in english_page


def test_the_footer_links_the_main_pages_and_the_policies_hub_and_names_the_owner(client, library):
    page = text_of(client.get("/"))
    footer = page[page.index('<footer class="site-footer">'):]
    for spec in PAGES:
        assert (f'href="{spec.path}"' in footer) == spec.in_footer, spec.slug
    assert 'href="/website-policies"' in footer
    assert "[owning department: set KB_OWNER_NAME]" in footer, "an unset owner is a marked gap"
    hindi_footer = text_of(client.get("/hi/"))
    assert 'href="/hi/privacy-policy"' in hindi_footer and 'href="/hi/website-policies"' in hindi_footer


def test_every_page_left_out_of_the_footer_is_a_policy_linked_from_the_hub(client, library):
    hub = text_of(client.get("/website-policies"))
    body = hub[hub.index('<div class="page-body">'):]
    for spec in PAGES:
        if not spec.in_footer:
            assert spec.group == "policies" and f'href="{spec.path}"' in body, spec.slug


def test_the_deployers_identity_fills_the_pages_in_each_language(app, client, library):
    app.config.update(KB_OWNER_NAME="Department of Administrative Reforms, Government of Example",
                      KB_OWNER_NAME_HI="प्रशासनिक सुधार विभाग, उदाहरण सरकार", KB_WIM_NAME="Web Information Manager One",
                      KB_WIM_EMAIL="wim@example.gov.in")
    english = text_of(client.get("/contact"))
    assert "Department of Administrative Reforms, Government of Example" in english
    assert "wim@example.gov.in" in english and "set KB_WIM_EMAIL" not in english
    hindi = text_of(client.get("/hi/contact"))
    assert "प्रशासनिक सुधार विभाग, उदाहरण सरकार" in hindi
    assert "Content owned and maintained by" in english.split('<footer')[1]
    assert "set KB_OWNER_ADDRESS" in english or "[" in english, "what is still unset says so"


def test_links_inside_a_hindi_page_stay_in_hindi(client, library):
    page = text_of(client.get("/hi/help"))
    body = page[page.index('<div class="page-body">'):]
    assert 'href="/hi/help/trainer"' in body and 'href="/help/trainer"' not in body


def test_the_html_sitemap_lists_every_page_mmp_and_state(client, library):
    page = text_of(client.get("/hi/sitemap"))
    assert page.count('href="/hi/mmps/') == 44 and page.count('href="/hi/states/') == 36
    for spec in PAGES:
        assert f'href="/hi{spec.path}"' in page


# The website policies GIGW 3.0 asks for, added with the hub that lists them all.
WEBSITE_POLICIES = ["website-policies", "disclaimer", "content-review-policy", "website-security-policy",
                    "website-monitoring-policy", "contingency-management-plan"]


@pytest.mark.parametrize("slug", WEBSITE_POLICIES)
def test_each_website_policy_answers_in_both_languages_with_its_title(client, library, slug):
    spec = site_pages.PAGES_BY_SLUG[slug]
    for prefix, language in (("", "en"), ("/hi", "hi")):
        title = parse_page_file(CONTENT / "pages" / f"{slug}.{language}.md")["title"]
        response = client.get(prefix + spec.path)
        page = text_of(response)
        assert response.status_code == 200, prefix + spec.path
        assert f"<h1>{title}</h1>" in page and f"<title>{title} " in page
        sitemap = text_of(client.get(prefix + "/sitemap"))
        assert f'<a href="{prefix}{spec.path}">{title}</a>' in sitemap, "the sitemap names it by the same title"


@pytest.mark.parametrize("prefix", ["", "/hi"])
def test_the_website_policies_page_links_every_policy_with_a_sentence_on_it(client, library, prefix):
    page = text_of(client.get(prefix + "/website-policies"))
    body = page[page.index('<div class="page-body">'):page.index("</article>")]
    items = {href: visible_text(item) for href, item in
             re.findall(r'<li>\s*<a href="([^"]+)"[^>]*>(.*?)</li>', body, re.S)}
    policies = [spec for spec in site_pages.pages_in("policies") if spec.slug != "website-policies"]
    assert len(policies) == 12
    for spec in policies:
        said = items.get(prefix + spec.path)
        assert said is not None, f"the hub links {spec.slug}"
        assert len(said.split()) >= 8 and said.endswith("।" if prefix else "."), f"one sentence on {spec.slug}: {said}"


def test_the_xml_sitemap_lists_every_site_page_in_both_languages(client, library):
    from lxml import etree

    root = etree.fromstring(client.get("/sitemap.xml").get_data())
    locations = {loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    for spec in PAGES:
        for language in ("en", "hi"):
            assert f"http://kb.test/{language}{spec.path}" in locations, (language, spec.slug)


def test_a_page_file_with_a_mistake_is_refused_naming_the_field(tmp_path):
    bad = tmp_path / "about.en.md"
    bad.write_text("---\ntitle: A\nsummary: short\nupdated: someday\n---\nText.\n", encoding="utf-8")
    with pytest.raises(ContentError) as error:
        parse_page_file(bad)
    assert set(error.value.fields) == {"title", "summary", "updated"}
    unknown = tmp_path / "blog.en.md"
    unknown.write_text("---\ntitle: Blog\nsummary: Not one of the pages.\nupdated: 2026-01-01\n---\nText.\n")
    with pytest.raises(ContentError, match="slug"):
        parse_page_file(unknown)


def test_a_page_needs_both_languages(app, tmp_path):
    (tmp_path / "about.en.md").write_text((CONTENT / "pages" / "about.en.md").read_text(encoding="utf-8"),
                                          encoding="utf-8")
    report = site_pages.import_pages(tmp_path)
    assert [error.path.endswith("about.hi.md") for error in report.errors] == [True]


def test_importing_the_pages_twice_changes_nothing(app, library):
    again = site_pages.import_pages(CONTENT / "pages")
    assert again.written == [] and len(again.unchanged) == 2 * len(PAGES)


# ---------------------------------------------------------------------------------------------------
# Feedback


def send(client, form_token, **fields):
    data = {"name": "Asha Rao", "email": "asha@example.org", "category": "accessibility",
            "message": "The outcome table is hard to follow with a screen reader.", **fields}
    return client.post("/feedback", data={"csrf_token": form_token(client, "/feedback"), **data},
                       environ_overrides={"REMOTE_ADDR": fields.pop("address", "198.51.100.7")})


def test_feedback_is_kept_and_every_admin_is_told_in_their_language(client, library, make_user, form_token):
    hindi_admin = make_user("admin", email="admin.hi@example.org")
    hindi_admin.language = "hi"
    english_admin = make_user("admin", email="admin.en@example.org")
    db.session.commit()
    response = send(client, form_token)
    assert response.status_code == 302
    kept = db.session.scalar(select(Feedback))
    assert kept.category == "accessibility" and kept.status == "new" and kept.email == "asha@example.org"
    assert "198.51.100.7" not in kept.sender_key, "the address itself is not kept"
    told = {n.user_id: n.message for n in db.session.scalars(select(Notification).where(Notification.kind == "feedback"))}
    assert "New feedback from Asha Rao" in told[english_admin.id]
    assert re.search(r"[\u0900-\u097f]", told[hindi_admin.id]) and "Asha Rao" in told[hindi_admin.id]
    assert db.session.scalar(select(func.count()).select_from(EmailMessage)
                             .where(EmailMessage.recipient == "admin.hi@example.org")) == 1
    assert "Thank you" in visible_text(client.get(response.headers["Location"]))


def test_a_mistake_in_the_feedback_form_is_named_and_nothing_typed_is_lost(client, library, form_token):
    response = send(client, form_token, email="not-an-address", category="")
    page = text_of(response)
    assert response.status_code == 400
    assert 'id="email-error"' in page and 'id="category-error"' in page
    assert "The outcome table is hard to follow with a screen reader.</textarea>" in page
    assert 'value="Asha Rao"' in page
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0


def test_one_address_may_send_five_messages_an_hour(client, library, form_token):
    for number in range(5):
        assert send(client, form_token, message=f"Message number {number}").status_code == 302
    refused = send(client, form_token, message="The sixth message in an hour")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "3600"
    assert "The sixth message in an hour</textarea>" in text_of(refused)
    other_address = send(client, form_token, message="From elsewhere", address="203.0.113.1")
    assert other_address.status_code == 302


def test_admins_read_feedback_and_record_the_reply(client, library, make_user, login_as, form_token):
    send(client, form_token)
    item = db.session.scalar(select(Feedback))
    reviewer = make_user("reviewer")
    login_as(client, reviewer)
    assert client.get("/admin/feedback").status_code == 403
    admin = make_user("admin")
    login_as(client, admin)
    listing = visible_text(client.get("/admin/feedback?status=new"))
    assert "Asha Rao" in listing and "An accessibility barrier" in listing
    response = client.post(f"/admin/feedback/{item.id}", data={
        "csrf_token": form_token(client, f"/admin/feedback/{item.id}"), "status": "answered",
        "note": "Replied by email: the table now has header cells."})
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(Feedback, item.id)
    assert item.status == "answered" and item.handled_by_id == admin.id and item.handled_at is not None
    bad = client.post(f"/admin/feedback/{item.id}", data={
        "csrf_token": form_token(client, f"/admin/feedback/{item.id}"), "status": "lost", "note": "kept text"})
    assert bad.status_code == 400 and "kept text</textarea>" in text_of(bad)
    assert "Asha Rao" not in visible_text(client.get("/admin/feedback?status=new"))


def test_the_feedback_date_is_shown_in_india_time(client, library, make_user, login_as, form_token):
    send(client, form_token)
    item = db.session.scalar(select(Feedback))
    item.created_at = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.timezone.utc)
    db.session.commit()
    login_as(client, make_user("admin"))
    assert "2 March 2026, 1:30 am IST" in visible_text(client.get(f"/admin/feedback/{item.id}")).replace("AM", "am")
