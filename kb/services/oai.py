"""OAI-PMH 2.0 (https://www.openarchives.org/OAI/openarchivesprotocol.html): how national portals and
library systems harvest kb.

- Items are cases that were ever published. A published case is a record with ``oai_dc`` metadata (its
  live version); an archived one is kept as a *deleted* record (``deletedRecord`` is ``persistent``), so a
  harvester learns that it was withdrawn. Identifiers are ``oai:<host>:KB-0042``.
- A record's datestamp is when its live version was published (a new version changes it), or, for a
  deleted record, when it was withdrawn. Granularity is seconds, UTC.
- Sets: ``category`` / ``category:<central|state|integrated>`` (MMP category), ``mmp`` / ``mmp:<slug>`` and
  ``state`` / ``state:<code>`` (a central case belongs to no state set).
- Lists come a page at a time. The resumption token carries the request and the last record sent (records
  are ordered by datestamp, then case number), so a harvest never skips a record when others change
  meanwhile: a record changed during a harvest has a newer datestamp and comes again at the end.
- Every protocol error is answered as the protocol says, with HTTP 200. ``noMetadataFormats`` and
  ``noSetHierarchy`` cannot arise (every item has ``oai_dc``, and kb has sets).
"""
from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
import re
from urllib.parse import urlsplit

from flask import current_app
from lxml import etree as ET
from sqlalchemy import func, select

from kb.extensions import db
from kb.i18n import in_language
from kb.models import Case, Mmp, MmpCategory, Revision, RevisionStatus, State, format_public_id
from kb.services import catalog
from kb.services.citations import organisation, permalink

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DEFAULT_PAGE_SIZE = 100

FORMATS = {"oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS)}

# The arguments each verb takes: (required, optional); resumptionToken is exclusive of the others.
VERBS = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
}

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class OaiError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclasses.dataclass(frozen=True)
class Item:
    """One harvestable case: its number, datestamp, whether it was withdrawn, and the sets it is in."""

    number: int
    datestamp: dt.datetime
    deleted: bool
    mmp: str
    category: str
    state: str | None

    @property
    def sets(self) -> list[str]:
        sets = ["category", f"category:{self.category}", "mmp", f"mmp:{self.mmp}"]
        if self.state:
            sets += ["state", f"state:{self.state}"]
        return sets


@dataclasses.dataclass(frozen=True)
class ListRequest:
    prefix: str
    set_spec: str | None
    start: dt.datetime | None
    end: dt.datetime | None
    after: tuple[str, int] | None = None  # (datestamp iso, number) of the last record sent
    cursor: int = 0


# ---------------------------------------------------------------------------------------------------
# Entry point


def handle(arguments: dict[str, list[str]], *, base_url: str, site_base: str) -> bytes:
    """Answer one OAI-PMH request (its arguments as repeated values) with the response document."""
    root = ET.Element(f"{{{OAI_NS}}}OAI-PMH", {
        f"{{{XSI_NS}}}schemaLocation": f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"},
        nsmap={None: OAI_NS, "xsi": XSI_NS})
    ET.SubElement(root, f"{{{OAI_NS}}}responseDate").text = _stamp(dt.datetime.now(dt.timezone.utc))
    request_element = ET.SubElement(root, f"{{{OAI_NS}}}request")
    request_element.text = base_url
    context = _Context(base_url=base_url, site_base=site_base)
    try:
        verb, args = _check_arguments(arguments)
        for name, value in (("verb", verb), *args.items()):
            request_element.set(name, value)
        with in_language("en"):  # set names and labels: the protocol's documents are English
            getattr(context, verb)(root, args)
    except OaiError as error:
        if error.code in ("badVerb", "badArgument"):
            request_element.attrib.clear()  # the protocol: no attributes when the request was not valid
        for child in list(root)[2:]:
            root.remove(child)
        ET.SubElement(root, f"{{{OAI_NS}}}error", {"code": error.code}).text = error.message
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def _check_arguments(arguments: dict[str, list[str]]) -> tuple[str, dict[str, str]]:
    verbs = arguments.get("verb", [])
    if len(verbs) != 1:
        raise OaiError("badVerb", "The verb argument is missing." if not verbs else "The verb argument is repeated.")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"'{verb[:60]}' is not an OAI-PMH verb.")
    required, optional = VERBS[verb]
    args = {}
    for name, values in arguments.items():
        if name == "verb":
            continue
        if name not in required | optional:
            raise OaiError("badArgument", f"'{name[:60]}' is not an argument of {verb}.")
        if len(values) != 1:
            raise OaiError("badArgument", f"The argument {name} is repeated.")
        args[name] = values[0]
    if "resumptionToken" in args:
        if len(args) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument.")
        return verb, args
    missing = sorted(required - set(args))
    if missing:
        raise OaiError("badArgument", f"{verb} needs the argument {', '.join(missing)}.")
    return verb, args


# ---------------------------------------------------------------------------------------------------
# The library as OAI items


def _published_items():
    return (select(Case.number, Revision.published_at, Mmp.slug, Mmp.category, State.code)
            .join(Revision, Revision.id == Case.published_revision_id)
            .join(Mmp, Mmp.id == Case.mmp_id).outerjoin(State, State.id == Case.state_id))


def _withdrawn_items():
    return (select(Case.number, func.max(Revision.updated_at), Mmp.slug, Mmp.category, State.code)
            .join(Revision, Revision.case_id == Case.id)
            .join(Mmp, Mmp.id == Case.mmp_id).outerjoin(State, State.id == Case.state_id)
            .where(Case.published_revision_id.is_(None), Case.first_published_at.is_not(None),
                   Revision.status == RevisionStatus.archived.value)
            .group_by(Case.number, Mmp.slug, Mmp.category, State.code))


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


_KEPT: dict = {}


def all_items(number: int | None = None) -> list[Item]:
    """Every item (one case, or all), oldest datestamp first. The whole list is kept per state of the
    library (``kb.search.library_version``, which every publication and withdrawal changes), so a harvest
    of many pages reads it once; while the index lags the database nothing is kept."""
    if number is None:
        from kb import search

        version = search.library_version()
        kept = _KEPT.get("items")
        if version is not None and kept is not None and kept[0] == version:
            return kept[1]
        items = _read_items(None)
        if version is not None:
            _KEPT["items"] = (version, items)
        return items
    return _read_items(number)


def _read_items(number: int | None) -> list[Item]:
    items = []
    for deleted, query in ((False, _published_items()), (True, _withdrawn_items())):
        if number is not None:
            query = query.where(Case.number == number)
        items += [Item(row[0], _utc(row[1]), deleted, row[2], row[3], row[4])
                  for row in db.session.execute(query) if row[1] is not None]
    return sorted(items, key=lambda item: (item.datestamp, item.number))


def _stamp(when: dt.datetime) -> str:
    return _utc(when).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_date(value: str, name: str, *, end: bool) -> tuple[dt.datetime, str]:
    try:
        if _DAY.match(value):
            day = dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
            return (day + dt.timedelta(days=1) - dt.timedelta(microseconds=1) if end else day), "day"
        if _SECOND.match(value):
            moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
            return (moment + dt.timedelta(seconds=1) - dt.timedelta(microseconds=1) if end else moment), "second"
    except ValueError:
        pass
    raise OaiError("badArgument", f"{name} must be a UTC date (YYYY-MM-DD) or time (YYYY-MM-DDThh:mm:ssZ).")


# ---------------------------------------------------------------------------------------------------
# Resumption tokens


def _encode_token(request: ListRequest, last: Item) -> str:
    data = {"m": request.prefix, "s": request.set_spec, "f": request.start.isoformat() if request.start else None,
            "u": request.end.isoformat() if request.end else None, "d": last.datestamp.isoformat(),
            "n": last.number, "c": request.cursor}
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_token(token: str) -> ListRequest:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
        when = lambda value: dt.datetime.fromisoformat(value) if value else None  # noqa: E731
        request = ListRequest(prefix=data["m"], set_spec=data["s"], start=when(data["f"]), end=when(data["u"]),
                              after=(dt.datetime.fromisoformat(data["d"]).isoformat(), int(data["n"])),
                              cursor=int(data["c"]))
        if request.prefix not in FORMATS or (request.set_spec is not None and not isinstance(request.set_spec, str)):
            raise ValueError
        return request
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError, AttributeError):
        raise OaiError("badResumptionToken", "The resumption token is not valid.") from None


# ---------------------------------------------------------------------------------------------------
# The verbs


@dataclasses.dataclass
class _Context:
    base_url: str
    site_base: str

    @property
    def host(self) -> str:
        return urlsplit(self.site_base).hostname or "localhost"

    def identifier(self, number: int) -> str:
        return f"oai:{self.host}:{format_public_id(number)}"

    def number_of(self, identifier: str) -> int:
        prefix = f"oai:{self.host}:"
        match = re.fullmatch(r"KB-(\d{4,9})", identifier[len(prefix):]) if identifier.startswith(prefix) else None
        if match is None:
            raise OaiError("idDoesNotExist", f"No item {identifier[:100]} in this repository.")
        return int(match.group(1))

    def page_size(self) -> int:
        return int(current_app.config.get("KB_OAI_PAGE_SIZE") or DEFAULT_PAGE_SIZE)

    # -- Identify, formats, sets --------------------------------------------------------------------

    def Identify(self, root, args) -> None:  # noqa: N802 (the protocol's names)
        config = current_app.config
        element = _child(root, "Identify")
        items = all_items()
        earliest = items[0].datestamp if items else dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
        for name, value in (("repositoryName", config["KB_SITE_NAME"]), ("baseURL", self.base_url),
                            ("protocolVersion", "2.0"),
                            ("adminEmail", config.get("KB_OWNER_EMAIL") or config.get("KB_MAIL_FROM") or "kb@localhost"),
                            ("earliestDatestamp", _stamp(earliest)),
                            ("deletedRecord", "persistent"), ("granularity", "YYYY-MM-DDThh:mm:ssZ")):
            _child(element, name, value)
        description = _child(element, "description")
        identifier = ET.SubElement(description, f"{{{ID_NS}}}oai-identifier", {
            f"{{{XSI_NS}}}schemaLocation": f"{ID_NS} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"},
            nsmap={None: ID_NS})
        for name, value in (("scheme", "oai"), ("repositoryIdentifier", self.host), ("delimiter", ":"),
                            ("sampleIdentifier", self.identifier(1))):
            ET.SubElement(identifier, f"{{{ID_NS}}}{name}").text = value

    def ListMetadataFormats(self, root, args) -> None:  # noqa: N802
        if "identifier" in args and not all_items(self.number_of(args["identifier"])):
            raise OaiError("idDoesNotExist", f"No item {args['identifier'][:100]} in this repository.")
        element = _child(root, "ListMetadataFormats")
        for prefix, (schema, namespace) in FORMATS.items():
            entry = _child(element, "metadataFormat")
            _child(entry, "metadataPrefix", prefix)
            _child(entry, "schema", schema)
            _child(entry, "metadataNamespace", namespace)

    def ListSets(self, root, args) -> None:  # noqa: N802
        if "resumptionToken" in args:
            raise OaiError("badResumptionToken", "The list of sets comes whole: it has no resumption token.")
        element = _child(root, "ListSets")
        mmps, states = catalog.taxonomy()
        sets = [("category", "MMP categories")]
        sets += [(f"category:{c.value}", f"MMP category: {c.label}") for c in MmpCategory]
        sets += [("mmp", "Mission Mode Projects")] + [(f"mmp:{m.slug}", m.name) for m in mmps]
        sets += [("state", "States and union territories")] + [(f"state:{s.code}", s.name) for s in states]
        for spec, name in sets:
            entry = _child(element, "set")
            _child(entry, "setSpec", spec)
            _child(entry, "setName", name)

    def GetRecord(self, root, args) -> None:  # noqa: N802
        _check_prefix(args["metadataPrefix"])
        items = all_items(self.number_of(args["identifier"]))
        if not items:
            raise OaiError("idDoesNotExist", f"No item {args['identifier'][:100]} in this repository.")
        self._records(_child(root, "GetRecord"), items, with_metadata=True)

    def ListIdentifiers(self, root, args) -> None:  # noqa: N802
        self._list(root, args, "ListIdentifiers", with_metadata=False)

    def ListRecords(self, root, args) -> None:  # noqa: N802
        self._list(root, args, "ListRecords", with_metadata=True)

    # -- lists --------------------------------------------------------------------------------------

    def _list(self, root, args, verb: str, *, with_metadata: bool) -> None:
        request = (_decode_token(args["resumptionToken"]) if "resumptionToken" in args
                   else self._new_request(args))
        matching = [item for item in all_items() if _matches(item, request)]
        remaining = matching
        if request.after is not None:
            last = (dt.datetime.fromisoformat(request.after[0]), request.after[1])
            remaining = [item for item in matching if (item.datestamp, item.number) > last]
        if not remaining:
            raise OaiError("noRecordsMatch", "No record matches the request.")
        size = self.page_size()
        page, rest = remaining[:size], remaining[size:]
        element = _child(root, verb)
        self._records(element, page, with_metadata=with_metadata)
        if rest or request.after is not None:
            following = dataclasses.replace(request, cursor=request.cursor + len(page))
            token = _child(element, "resumptionToken", _encode_token(following, page[-1]) if rest else "")
            token.set("completeListSize", str(request.cursor + len(remaining)))
            token.set("cursor", str(request.cursor))

    def _new_request(self, args) -> ListRequest:
        _check_prefix(args["metadataPrefix"])
        start = end = None
        granularities = set()
        if "from" in args:
            start, granularity = _parse_date(args["from"], "from", end=False)
            granularities.add(granularity)
        if "until" in args:
            end, granularity = _parse_date(args["until"], "until", end=True)
            granularities.add(granularity)
        if len(granularities) > 1:
            raise OaiError("badArgument", "from and until must have the same granularity.")
        if start and end and start > end:
            raise OaiError("badArgument", "from is later than until.")
        set_spec = args.get("set")
        if set_spec is not None and not _known_set(set_spec):
            raise OaiError("badArgument", f"There is no set '{set_spec[:100]}'.")
        return ListRequest(prefix=args["metadataPrefix"], set_spec=set_spec, start=start, end=end)

    def _records(self, parent, items: list[Item], *, with_metadata: bool) -> None:
        cases = {}
        if with_metadata:
            live = [format_public_id(item.number) for item in items if not item.deleted]
            cases = {case.number: case for case in catalog.published_cases(live)}
        for item in items:
            record = _child(parent, "record") if with_metadata else parent
            header = _child(record, "header")
            if item.deleted:
                header.set("status", "deleted")
            _child(header, "identifier", self.identifier(item.number))
            _child(header, "datestamp", _stamp(item.datestamp))
            for spec in item.sets:
                _child(header, "setSpec", spec)
            case = cases.get(item.number)
            if with_metadata and case is not None:
                _dublin_core(_child(record, "metadata"), case, self.site_base)


def _matches(item: Item, request: ListRequest) -> bool:
    if request.set_spec is not None and request.set_spec not in item.sets:
        return False
    if request.start is not None and item.datestamp.replace(microsecond=0) < request.start:
        return False
    if request.end is not None and item.datestamp.replace(microsecond=0) > request.end:
        return False
    return True


def _known_set(spec: str) -> bool:
    kind, _, value = spec.partition(":")
    if not value:
        return kind in ("category", "mmp", "state")
    if kind == "category":
        return value in {c.value for c in MmpCategory}
    if kind == "mmp":
        return db.session.scalar(select(Mmp.id).where(Mmp.slug == value)) is not None
    if kind == "state":
        return db.session.scalar(select(State.id).where(State.code == value)) is not None
    return False


def _check_prefix(prefix: str) -> None:
    if prefix not in FORMATS:
        raise OaiError("cannotDisseminateFormat", f"kb does not disseminate '{prefix[:60]}'; it offers oai_dc.")


def _child(parent, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{OAI_NS}}}{name}")
    if text is not None:
        element.text = text
    return element


def _dublin_core(metadata, case: Case, site_base: str) -> None:
    """Simple Dublin Core of the case's live version."""
    revision = case.published_revision
    dc = ET.SubElement(metadata, f"{{{OAI_DC_NS}}}dc", {
        f"{{{XSI_NS}}}schemaLocation": f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"},
        nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS})
    other = "hi" if case.language == "en" else "en"

    def add(name: str, text: str | None, language: str | None = None) -> None:
        if text:
            element = ET.SubElement(dc, f"{{{DC_NS}}}{name}")
            element.text = text
            if language:
                element.set(XML_LANG, language)

    add("title", revision.title, case.language)
    add("title", revision.translated_title, other)
    add("creator", organisation(case, revision))
    add("subject", case.mmp.name, "en")
    for tag in case.tag_names:
        add("subject", tag)
    add("description", revision.summary, case.language)
    add("description", revision.translated_summary, other)
    add("publisher", current_app.config["KB_SITE_NAME"])
    add("date", revision.published_at.date().isoformat() if revision.published_at else None)
    add("type", "Text")
    add("type", "Case study", "en")
    add("format", "text/html")
    add("identifier", permalink(case))
    add("identifier", case.public_id)
    add("language", case.language)
    add("coverage", case.state.name if case.state else "India", "en")
    add("relation", permalink(case, revision))
