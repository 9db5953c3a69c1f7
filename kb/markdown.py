"""User Markdown -> safe HTML. The only way user text becomes markup anywhere in kb.

Markdown is rendered first (raw HTML passes through Python-Markdown untouched), then everything goes
through nh3 (the Rust ``ammonia`` sanitizer) with an allow-list: unknown tags are dropped with their
content kept as text, scripts/styles are removed with their content, attributes are allow-listed per tag,
and URLs may only use http, https and mailto (relative links allowed). Links get
``rel="nofollow noopener noreferrer"``.
"""
from __future__ import annotations

import functools
import html as html_lib
import re

import markdown as _markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
    "s", "small", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Content of these is dropped entirely rather than kept as text.
CLEAN_CONTENT_TAGS = {"script", "style", "iframe", "object", "embed", "noscript", "template", "textarea", "select"}

_EXTENSIONS = ["extra", "sane_lists", "smarty"]


def render_markdown(text: str | None, language: str | None = None) -> Markup:
    """Render user Markdown to sanitised HTML, safe to insert into a page unescaped. Given the text's
    language (``en`` or ``hi``), runs of the other script are marked with their language (WCAG 3.1.2,
    language of parts): a Hindi phrase in an English case is read by a screen reader in Hindi."""
    if not text:
        return Markup("")
    # A published body is read many times and never changes: each is rendered once per process (bodies
    # of ordinary size; an enormous one, say a pasted preview, is not kept).
    return _rendered(text, language) if len(text) <= _CACHED_UP_TO else _render(text, language)


_CACHED_UP_TO = 200_000


@functools.lru_cache(maxsize=256)
def _rendered(text: str, language: str | None) -> Markup:
    return _render(text, language)


def _render(text: str, language: str | None = None) -> Markup:
    # Control characters other than tab/newline have no place in prose and can hide payloads.
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    html = sanitize_html(_markdown.markdown(text, extensions=_EXTENSIONS, output_format="html"))
    # A link to a page of this site (another case, a policy) is one to follow, for readers and crawlers.
    html = _OWN_LINK_REL.sub(r"\1", html)
    return Markup(mark_other_language(html, language))


_OWN_LINK_REL = re.compile(r'(<a href="/(?![/\\])[^"]*") rel="nofollow noopener noreferrer"')


# Runs of the other script in a text's language: Devanagari words (with the spaces and punctuation
# between them) in English text; Latin words (acronyms, names, English terms) in Hindi text.
_OTHER_SCRIPT = {
    "en": ("hi", re.compile(r"[\u0900-\u0963\u0966-\u097f](?:[\u0900-\u097f\u200c\u200d]|[\s,;:'\"()-]+(?=[\u0900-\u097f]))*")),
    "hi": ("en", re.compile(r"[A-Za-z][A-Za-z0-9.'\u2019&/-]*(?:[ ,]+[A-Za-z][A-Za-z0-9.'\u2019&/-]*)*")),
}
_TAG = re.compile(r"(<[^>]*>)")


def mark_other_language(html: str, language: str | None) -> str:
    """Wrap each run of the other language's script in the text of sanitised HTML in ``<span lang>``
    (tags and attributes are left alone; a run that is only a letter is not marked)."""
    if language not in _OTHER_SCRIPT:
        return html
    other, run = _OTHER_SCRIPT[language]
    pieces = _TAG.split(html)
    for i in range(0, len(pieces), 2):  # even pieces are text between tags
        if not pieces[i] or not run.search(html_lib.unescape(pieces[i])):
            continue
        text, out, position = html_lib.unescape(pieces[i]), [], 0
        for match in run.finditer(text):
            if len(match.group().strip(".-/&'\u2019 ,")) < 2:
                continue
            out += [html_lib.escape(text[position:match.start()], quote=False),
                    f'<span lang="{other}">{html_lib.escape(match.group(), quote=False)}</span>']
            position = match.end()
        out.append(html_lib.escape(text[position:], quote=False))
        pieces[i] = "".join(out)
    return "".join(pieces)


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        clean_content_tags=CLEAN_CONTENT_TAGS,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


_HIDDEN_OPEN = re.compile(r"<(%s)\b" % "|".join(sorted(CLEAN_CONTENT_TAGS)), re.I)


def _drop_hidden_elements(text: str) -> str:
    """Remove script, style and the other elements whose content the sanitizer drops from the page, so
    a snippet never shows text the page does not. Only closed elements: an unclosed ``<textarea>`` is
    more likely prose about HTML (in backticks) than markup. Linear: a tag found unclosed once is not
    looked for again."""
    if "<" not in text:
        return text
    lowered = text.lower()
    unclosed: set[str] = set()
    pieces, position = [], 0
    for opening in _HIDDEN_OPEN.finditer(text):
        tag = opening.group(1).lower()
        if opening.start() < position or tag in unclosed:
            continue
        closing = lowered.find("</" + tag, opening.end())
        if closing == -1:
            unclosed.add(tag)
            continue
        end = lowered.find(">", closing)
        end = len(text) if end == -1 else end + 1
        pieces += [text[position:opening.start()], " "]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_TAG = re.compile(r"<[^>]{0,500}>")
# Possessive quantifiers: with plain ones, a run of blanks not ending a line backtracked cubically
# (600 blanks took 0.17 s to index, so 5,000 would take ~100 s).
_MD_MARKUP = re.compile(r"^[ \t]*+[-:| ]{3,}+[ \t\r]*+$|^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)|[*_`~|]+", re.M)


def markdown_to_search_text(text: str | None) -> str:
    """Fast plain text of Markdown for indexing: link text kept, markup and tags dropped.

    Rendering and sanitising every body took a quarter of a 20,000-case index rebuild; search needs
    the words, not the structure. Not for display: use ``render_markdown``.
    """
    text = _drop_hidden_elements(text or "")
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_TAG.sub(" ", text)
    text = _MD_MARKUP.sub(" ", text)
    return re.sub(r"\s+", " ", html_lib.unescape(text)).strip()
