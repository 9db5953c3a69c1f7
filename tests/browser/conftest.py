"""A real browser (Debian's Chromium, driven by Playwright) against the app served on loopback."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
# axe-core, installed from the npm registry by scripts/ensure-test-tools (never by the site).
AXE = Path(__file__).resolve().parents[2] / ".test-tools" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _bodies_read_at_once(app):
    """Werkzeug's test server closes a response's iterable only after draining the request socket,
    which raises when Chromium has dropped the connection (it often abandons a favicon or a font), so a
    static file's handle would be left to the garbage collector (a ResourceWarning, an error here).
    Reading each body whole and closing it at once leaves the server nothing to close."""

    def serve(environ, start_response):
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()

    return serve


@pytest.fixture
def live_server(app, library):
    """Serve the test app (same database and index) on a free loopback port for the test's duration."""
    app.config["SERVER_NAME"] = None
    server = make_server("127.0.0.1", 0, _bodies_read_at_once(app), threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(java_script_enabled=False)  # the pages must work without JavaScript
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.base_url = live_server
        yield page
        context.close()
        browser.close()


@pytest.fixture
def browser_context(live_server):
    """A Chromium context factory: ``browser_context(javascript=True, width=1280)`` -> a new page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        contexts = []

        def new_page(*, javascript: bool = True, width: int = 1280, height: int = 900):
            context = browser.new_context(java_script_enabled=javascript, viewport={"width": width, "height": height})
            contexts.append(context)
            new = context.new_page()
            new.set_default_timeout(10_000)
            new.base_url = live_server
            return new

        yield new_page
        for context in contexts:
            context.close()
        browser.close()


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it is and return the violations of WCAG 2.1 A/AA rules.

    The script is evaluated through the browser's DevTools protocol, so the site's Content-Security-Policy
    (which allows only its own scripts) stays on, as visitors get it."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run scripts/ensure-test-tools (make test does)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                           AXE_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def describe(violations_by_page: dict) -> str:
    return json.dumps(violations_by_page, indent=1, ensure_ascii=False)
