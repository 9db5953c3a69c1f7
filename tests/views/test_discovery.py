"""Found and followed from outside: robots.txt, the XML sitemap, Atom feeds of any search, the API's front
door. Everything is read back with real parsers (lxml for XML, feedparser for Atom)."""
from __future__ import annotations

import datetime as dt

import feedparser
import pytest
from lxml import etree

from kb.extensions import db
from kb.services.publishing import withdraw_case

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
ATOM = "{http://www.w3.org/2005/Atom}"


def xml_of(response):
    assert response.status_code == 200, response.status_code
    return etree.fromstring(response.get_data())


def sitemap_urls(root) -> dict[str, dict]:
    """loc -> {"lastmod", "alternates": {hreflang: href}} of a urlset."""
    assert root.tag == f"{SITEMAP}urlset"
    found = {}
    for url in root.iter(f"{SITEMAP}url"):
        loc = url.findtext(f"{SITEMAP}loc")
        assert loc not in found, f"{loc} listed twice"
        found[loc] = {"lastmod": url.findtext(f"{SITEMAP}lastmod"),
                      "alternates": {link.get("hreflang"): link.get("href") for link in url.iter(f"{XHTML}link")}}
    return found


def archive(case) -> None:
    withdraw_case(case, actor=None, note="withdrawn by the state")
    db.session.commit()


# ---------------------------------------------------------------------------------------------------
# robots.txt


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_private_pages_in_every_language(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "Sitemap: http://kb.test/sitemap.xml" in lines
    for prefix in ("", "/en", "/hi"):
        for path in ("/account", "/review", "/submissions", "/admin", "/login", "/notifications"):
            assert f"Disallow: {prefix}{path}" in lines
    assert "Disallow: /cases" not in lines and "Disallow: /" not in lines


def test_robots_txt_is_the_same_whatever_the_visitors_language(client):
    response = client.get("/robots.txt", headers={"Accept-Language": "hi"})
    assert response.status_code == 200, "never sent on to a /hi/ address"


# ---------------------------------------------------------------------------------------------------
# The sitemap


def test_sitemap_lists_published_cases_and_their_public_versions_in_both_languages(client, make_case,
                                                                                    make_unpublished_case):
    make_case(901, published=dt.date(2026, 1, 5))
    live = make_case(901, title="Sample practice, revised").published_revision  # version 2, published now
    make_case(902, published=dt.date(2025, 7, 1))
    make_unpublished_case(950)
    urls = sitemap_urls(xml_of(client.get("/sitemap.xml")))
    today = live.published_at.date().isoformat()

    for language in ("en", "hi"):
        case = urls[f"http://kb.test/{language}/cases/KB-0901"]
        assert case["lastmod"].startswith(today), "the case's date is its live version's"
        assert case["alternates"] == {"en": "http://kb.test/en/cases/KB-0901", "hi": "http://kb.test/hi/cases/KB-0901",
                                      "x-default": "http://kb.test/cases/KB-0901"}
        assert urls[f"http://kb.test/{language}/cases/KB-0901/v/1"]["lastmod"].startswith("2026-01-05")
        assert f"http://kb.test/{language}/cases/KB-0901/v/2" in urls
        assert f"http://kb.test/{language}/cases/KB-0902" in urls
        assert f"http://kb.test/{language}/mmps/land-records" in urls
        assert f"http://kb.test/{language}/states/KA" in urls
        assert f"http://kb.test/{language}/about" in urls
    assert not [loc for loc in urls if "KB-0950" in loc], "a draft never appears"
    assert urls["http://kb.test/en/mmps/land-records"]["lastmod"].startswith(today)
    assert urls["http://kb.test/en/cases/KB-0902"]["lastmod"].startswith("2025-07-01")


def test_sitemap_lists_institute_pages(client, make_org):
    make_org("ati-demo", "ati", "TS", name="Demo ATI (Telangana)")
    make_org("ka-revenue")
    urls = sitemap_urls(xml_of(client.get("/sitemap.xml")))
    assert "http://kb.test/en/institutes/ati-demo" in urls and "http://kb.test/hi/institutes/ati-demo" in urls
    assert not [loc for loc in urls if "ka-revenue" in loc], "only training institutes have a page"


def test_an_archived_case_leaves_the_sitemap_with_all_its_versions(client, make_case):
    case = make_case(901)
    make_case(901, title="Sample practice, revised")
    archive(case)
    urls = sitemap_urls(xml_of(client.get("/sitemap.xml")))
    assert not [loc for loc in urls if "KB-0901" in loc]


@pytest.fixture
def small_files(app_config):
    app_config["KB_SITEMAP_CASES_PER_FILE"] = 2


def test_a_large_library_gets_a_sitemap_index_whose_children_list_every_case_once(small_files, client, make_case):
    for number in range(901, 906):
        make_case(number)
    index = xml_of(client.get("/sitemap.xml"))
    assert index.tag == f"{SITEMAP}sitemapindex"
    children = [entry.findtext(f"{SITEMAP}loc") for entry in index.iter(f"{SITEMAP}sitemap")]
    assert children == ["http://kb.test/sitemap-pages.xml", "http://kb.test/sitemap-cases-1.xml",
                        "http://kb.test/sitemap-cases-2.xml", "http://kb.test/sitemap-cases-3.xml"]
    assert all(entry.findtext(f"{SITEMAP}lastmod") for entry in index.iter(f"{SITEMAP}sitemap"))
    seen: list[str] = []
    for child in children:
        seen += list(sitemap_urls(xml_of(client.get(child.removeprefix("http://kb.test")))))
    cases = sorted(loc for loc in seen if "/en/cases/KB-" in loc and "/v/" not in loc)
    assert cases == [f"http://kb.test/en/cases/KB-0{n}" for n in range(901, 906)]
    assert len(seen) == len(set(seen)), "no address is in two children"
    assert client.get("/sitemap-cases-4.xml").status_code == 404
    assert client.get("/sitemap-cases-0.xml").status_code == 404


# ---------------------------------------------------------------------------------------------------
# Atom feeds


def parsed_feed(client, address: str):
    response = client.get(address)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed, etree.fromstring(response.get_data())


def test_the_feed_of_a_search_is_valid_atom_newest_first(client, make_case, make_unpublished_case):
    make_case(901, title="Bhulekh kiosks", published=dt.date(2026, 1, 5))
    make_case(902, title="Bhulekh mutation online", published=dt.date(2026, 3, 9),
              summary="Mutations are requested online & tracked.")
    make_case(903, title="Passport seva kendras", mmp="passport", published=dt.date(2026, 2, 1))
    make_unpublished_case(950, title="Secret Bhulekh draft")
    feed, root = parsed_feed(client, "/feeds/cases.atom?q=bhulekh&page=3&sort=title")

    assert feed.feed.title == "kb: Case studies: “bhulekh”"
    assert feed.feed.id == "http://kb.test/feeds/cases.atom?q=bhulekh&page=3&sort=title"
    assert feed.feed.updated.startswith("2026-03-09")
    assert {(link.rel, link.href) for link in feed.feed.links} >= {
        ("self", "http://kb.test/feeds/cases.atom?q=bhulekh&page=3&sort=title"),
        ("alternate", "http://kb.test/cases?q=bhulekh")}
    assert [entry.id for entry in feed.entries] == ["http://kb.test/cases/KB-0902", "http://kb.test/cases/KB-0901"]
    newest = feed.entries[0]
    assert newest.title == "Bhulekh mutation online"
    assert newest.link == "http://kb.test/cases/KB-0902"
    assert newest.summary == "Mutations are requested online & tracked."
    assert newest.author == "Revenue Department"
    assert newest.updated.startswith("2026-03-09") and newest.published.startswith("2026-03-09")
    assert {tag.term for tag in newest.tags} >= {"land-records", "KA", "kiosks"}
    # RFC 4287 4.1.1-4.1.2: the feed and each entry carry exactly one id, title and updated
    for element in (root, *root.iter(f"{ATOM}entry")):
        for name in ("id", "title", "updated"):
            assert len(element.findall(f"{ATOM}{name}")) == 1, (element.tag, name)


def test_a_feed_takes_the_filters_of_the_search_page(client, make_case):
    make_case(901, state="KA")
    make_case(902, state="OD", mmp="e-district", tags=["certificates"])
    make_case(903, state="OD", year=2012)
    feed, _root = parsed_feed(client, "/feeds/cases.atom?state=OD&year=2012")
    assert [entry.id for entry in feed.entries] == ["http://kb.test/cases/KB-0903"]
    feed, _root = parsed_feed(client, "/feeds/cases.atom?tag=certificates")
    assert [entry.id for entry in feed.entries] == ["http://kb.test/cases/KB-0902"]
    assert "Odisha" not in feed.feed.title and "certificates" in feed.feed.title


def test_an_archived_case_leaves_the_feed(client, make_case):
    make_case(901)
    case = make_case(902)
    assert len(parsed_feed(client, "/feeds/cases.atom")[0].entries) == 2
    archive(case)
    feed, _root = parsed_feed(client, "/feeds/cases.atom")
    assert [entry.id for entry in feed.entries] == ["http://kb.test/cases/KB-0901"]


def test_the_hindi_feed_links_the_hindi_pages_and_gives_translated_titles(client, make_case):
    make_case(901, translated_title="नमूना प्रथा", translated_summary="परीक्षण के लिए एक नमूना।")
    feed, root = parsed_feed(client, "/hi/feeds/cases.atom?state=KA")
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "hi"
    entry = feed.entries[0]
    assert entry.title == "नमूना प्रथा" and entry.link == "http://kb.test/hi/cases/KB-0901"
    assert entry.id == "http://kb.test/cases/KB-0901", "an entry's id is the same in both languages"
    assert "कर्नाटक" in feed.feed.title


def test_a_bad_filter_in_a_feed_is_a_400_naming_the_field(client):
    response = client.get("/feeds/cases.atom?year=twenty")
    assert response.status_code == 400
    assert "year" in response.get_data(as_text=True)


@pytest.mark.parametrize("language", ["", "/hi"])
def test_search_mmp_and_state_pages_link_their_feeds(client, make_case, language):
    make_case(901)
    for page, feed in ((f"{language}/cases?q=kiosks&state=KA&page=1", f"{language}/feeds/cases.atom?q=kiosks&state=KA"),
                       (f"{language}/mmps/land-records", f"{language}/feeds/cases.atom?mmp=land-records"),
                       (f"{language}/states/KA", f"{language}/feeds/cases.atom?state=KA")):
        html = client.get(page).get_data(as_text=True)
        head = etree.HTML(html)
        alternates = head.xpath('//head/link[@rel="alternate"][@type="application/atom+xml"]/@href')
        assert alternates == [feed], page
        assert head.xpath(f'//main//a[@href="{feed}"]'), f"{page} shows a visible link to its feed"
        assert parsed_feed(client, feed)[0].entries


# ---------------------------------------------------------------------------------------------------
# The API's front door and the footer


def test_the_api_root_links_its_description_and_collections(client):
    for address in ("/api/v1", "/api/v1/"):
        response = client.get(address)
        assert response.status_code == 200
        body = response.get_json()
        assert body["links"]["openapi"] == "http://kb.test/api/v1/openapi.json"
        assert body["links"]["cases"] == "http://kb.test/api/v1/cases"
        assert body["elsewhere"]["oai_pmh"] == "http://kb.test/oai"
        for link in (*body["links"].values(), *body["elsewhere"].values()):
            path = link.removeprefix("http://kb.test")
            assert client.get(path).status_code in (200, 401), link


def test_the_footer_links_the_api_description(client):
    html = etree.HTML(client.get("/").get_data(as_text=True))
    assert html.xpath('//footer//a[@href="/api/v1/openapi.json"]')
    assert html.xpath('//footer//a[@href="/feeds/cases.atom"]')
