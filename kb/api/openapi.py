"""The API's own OpenAPI 3.1 description, served at ``/api/v1/openapi.json``.

Written by hand (it is the contract, so it is read and reviewed like one), with enumerations taken from
the code that enforces them (statuses, review actions, stages). ``tests/api/test_openapi.py`` checks that
every API route is described here and every path here is a route, that the document is valid OpenAPI, and
that real responses match its schemas.
"""
from __future__ import annotations

import functools

from flask import url_for

from kb.api import adoptions, api
from kb.api.schema import (
    BOOLEAN, DATETIME, INTEGER, PAGING, PUBLIC_ID, PUBLIC_ID_PARAM, RESPONSES, STRING, nullable, obj, operation,
    param, ref, repeatable,
)
from kb.models import EvidenceGrade, Language, RevisionStatus, Stage
from kb.services import case_fields, catalog, evidence, submissions
from kb.workflow import CHECKLIST, REVIEW_ACTIONS, TRANSITIONS

STATUSES = [s.value for s in RevisionStatus if s is not RevisionStatus.superseded]


def _page_of(item: str, **more) -> dict:
    return obj({"total": INTEGER, "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": catalog.MAX_PER_PAGE},
                "results": {"type": "array", "items": ref(item)}, **more},
               ["total", "page", "per_page", "results", *more])


# ---------------------------------------------------------------------------------------------------
# Schemas

_EVIDENCE = {"enum": [grade.value for grade in EvidenceGrade],
             "description": "how the figure is known, weakest first: self_reported, documented (by the department), "
                            "evaluated (independently), audited (e.g. CAG)"}
_OUTCOME = obj({"label": STRING, "before": nullable({"type": "number"}), "after": nullable({"type": "number"}),
                "unit": STRING, "source": nullable(STRING),
                "period": {"type": "string", "description": "the year or period the figure holds for (as of)"},
                "document": {"type": "string", "description": "a document named as the source"},
                "attachment": {"type": "string", "description": "the name of an attached file that is the source"},
                "evidence": _EVIDENCE,
                "evidence_reviewed": {"type": "boolean", "description": "a reviewer confirmed or lowered the grade "
                                                                        "(in responses only)"}}, ["label"])
_FRESHNESS = obj({"status": {"enum": ["current", "due_soon", "overdue", "discontinued"]},
                  "last_verified": nullable({"type": "string", "format": "date"}),
                  "review_by": nullable({"type": "string", "format": "date"}),
                  "discontinued_on": nullable({"type": "string", "format": "date"}),
                  "discontinued_reason": STRING}, ["status", "last_verified", "review_by"])
_RECOGNITION = obj({"name": STRING, "year": INTEGER, "category": STRING}, ["name", "year"])
_LINK = obj({"title": STRING, "url": STRING}, ["title", "url"])
_CONTACT = obj({"name": STRING, "organization": STRING, "email": nullable(STRING), "phone": nullable(STRING),
                "url": nullable(STRING)}, ["name"])

# The fields a submitter writes, as requests carry them: read from kb.services.case_fields, which checks them.
_ROW_SCHEMAS = {"outcomes": "Outcome", "links": "Link", "contacts": "Contact", "recognitions": "Recognition"}


def _field_in(field: case_fields.Field) -> dict:
    if field.kind == "year":
        schema = {"type": "integer", "minimum": case_fields.FIRST_YEAR, "description": field.description}
    elif field.kind == "stage":
        schema = nullable({"enum": [s.value for s in Stage]})
    elif field.kind == "language":
        schema = {"enum": [lang.value for lang in Language]}
    elif field.kind == "tags":
        schema = {"type": "array", "items": STRING, "maxItems": field.limit, "description": field.description}
    elif field.kind == "rows":
        schema = {"type": "array", "items": ref(_ROW_SCHEMAS[field.name]), "maxItems": field.limit}
    else:
        schema = {"type": "string", "maxLength": field.limit}
        if field.minimum:
            schema["minLength"] = field.minimum
        if field.description:
            schema["description"] = field.description
        if field.kind == "state":
            schema = nullable(schema)
    return {key: value for key, value in schema.items() if value not in ("", None)}


_FIELDS_IN = {field.name: _field_in(field) for field in case_fields.FIELDS}

# The same fields as a submission returns them: a draft may leave any of them empty.
def _field_out(field: case_fields.Field) -> dict:
    if field.kind == "rows":
        return {"type": "array", "items": ref(_ROW_SCHEMAS[field.name])}
    if field.kind == "tags":
        return {"type": "array", "items": STRING}
    if field.kind == "year":
        return nullable(INTEGER)
    return nullable(STRING) if field.kind in ("mmp", "state", "stage") else STRING


_FIELDS_OUT = {field.name: _field_out(field) for field in case_fields.FIELDS}

_ORGANIZATION = nullable(obj({"slug": STRING, "name": STRING}, ["slug", "name"]))
_NOTE = {"type": "string", "description": "why; required for request_changes, reject and archive"}
_LOCK = {"type": "integer", "description": "the lock_version you last read; if the submission changed since, "
                                           "the request is refused with 409 and nothing is applied"}

_LINKS = {"type": "object", "additionalProperties": {"type": "string", "format": "uri"}}

SCHEMAS = {
    "ApiRoot": obj({"name": STRING, "version": STRING, "links": _LINKS, "elsewhere": _LINKS},
                   ["name", "version", "links"]),
    "Error": obj({"error": obj({
        "code": {"type": "string", "description": "a machine word: invalid, unauthorized, forbidden, not_found, "
                                                  "conflict, too_large, rate_limited, ..."},
        "message": {"type": "string", "description": "a sentence for a person"},
        "fields": {"type": "object", "additionalProperties": STRING,
                   "description": "for 400 (and some 409): each field (or 'body') with what is wrong"},
    }, ["code", "message"])}, ["error"]),
    "Taxonomy": obj({
        "mmps": {"type": "array", "items": obj({"slug": STRING, "name": STRING,
                                                "category": {"enum": ["central", "state", "integrated"]}},
                                               ["slug", "name", "category"])},
        "states": {"type": "array", "items": obj({"code": STRING, "name": STRING, "kind": {"enum": ["state", "ut"]}},
                                                 ["code", "name", "kind"])},
    }, ["mmps", "states"]),
    "CaseSummary": obj({
        "id": PUBLIC_ID, "title": STRING, "summary": STRING, "mmp": STRING, "state": nullable(STRING),
        "year": nullable(INTEGER), "tags": {"type": "array", "items": STRING}, "language": STRING,
        "url": {"type": "string", "description": "the case's permanent link"},
        "highlight": {"type": "string", "description": "HTML in which only <mark> is markup"},
        "evidence": nullable({**_EVIDENCE, "description": "the case's overall evidence level; null: no figures"}),
    }, ["id", "title", "summary", "mmp", "state", "year", "tags", "language", "url", "highlight"]),
    "FacetCount": obj({"value": {"type": ["string", "integer"]}, "count": INTEGER}, ["value", "count"]),
    "CaseList": _page_of("CaseSummary", facets={
        "type": "object", "additionalProperties": {"type": "array", "items": ref("FacetCount")},
        "required": ["mmp", "state", "year", "tag", "language"],
        "description": "counts per value; each facet's counts ignore its own filter"},
        suggestion=nullable({"type": "string", "description": "a corrected query"}),
        notices={"type": "array", "items": STRING, "description": "repairs made to the query"},
        corrected_from=nullable({"type": "string", "description": "set when nothing matched what was typed "
                                                                  "and these are the suggestion's results"}),
        weak_matches={"type": "boolean", "description": "nothing matched the search well: the results are "
                                                        "only the few nearest cases (or none)"}),
    "CaseDetail": obj({
        "id": PUBLIC_ID, **_FIELDS_OUT, "mmp": STRING,
        "body_html": {"type": "string", "description": "the body rendered and sanitised"},
        "version": INTEGER, "published_at": nullable(DATETIME), "first_published_at": nullable(DATETIME),
        "url": STRING, "version_url": STRING, "citation": STRING,
        "adoptions": {"type": "integer", "description": "how many training uses are recorded"},
        "attachments": {"type": "array", "items": ref("Attachment")},
        "evidence": obj({"level": nullable(_EVIDENCE), "figures": INTEGER, "reaching": INTEGER,
                         "by_grade": {"type": "object", "additionalProperties": INTEGER},
                         "reviewed": INTEGER, "reason": STRING}, ["level", "figures", "reason"]),
        "freshness": ref("Freshness"),
    }, ["id", "title", "summary", "body", "body_html", "mmp", "state", "year", "tags", "language", "version",
        "published_at", "url", "citation", "adoptions", "attachments"]),
    "SimilarCases": obj({"results": {"type": "array", "items": ref("CaseSummary")}}, ["results"]),
    "Outcome": _OUTCOME,
    "Link": _LINK,
    "Contact": _CONTACT,
    "Recognition": _RECOGNITION,
    "SubmissionCreate": obj(_FIELDS_IN, [f.name for f in case_fields.FIELDS if f.required_for_draft], closed=True, description=(
        "A draft may be incomplete, but needs a title and an MMP; submitting it needs every field the content "
        "rules require. status, organization, author and id are set by kb: sending them is a 400.")),
    "SubmissionChange": obj({**_FIELDS_IN, "lock_version": _LOCK}, closed=True, minProperties=1, description=(
        "Only the fields to change. Allowed while the submission is draft or changes_requested.")),
    "ActionRequest": obj({"note": _NOTE, "lock_version": _LOCK}, closed=True),
    "ReviewRequest": obj({"action": {"enum": list(REVIEW_ACTIONS)}, "note": _NOTE, "lock_version": _LOCK},
                         ["action"], closed=True),
    "Freshness": _FRESHNESS,
    "ConfirmCurrentRequest": obj({"note": {"type": "string", "description": "what was checked; optional"}}, [],
                                 closed=True),
    "DiscontinueRequest": obj({"reason": {"type": "string", "minLength": 1, "maxLength": 2000}}, ["reason"],
                              closed=True),
    "ArchiveRequest": obj({"note": _NOTE, "lock_version": _LOCK}, ["note"], closed=True),
    "CommentRequest": obj({"body": {"type": "string", "minLength": 1, "maxLength": submissions.MAX_COMMENT}},
                          ["body"], closed=True),
    "HistoryEvent": obj({
        "action": {"type": "string", "description": "create, edit, new_revision, import, or a workflow action"},
        "from": nullable({"enum": [s.value for s in RevisionStatus]}),
        "to": {"enum": [s.value for s in RevisionStatus]},
        "by": nullable({"type": "string", "description": "the person's name"}),
        "at": DATETIME, "note": STRING, "version": nullable(INTEGER),
    }, ["action", "from", "to", "by", "at", "note"]),
    "Comment": obj({"id": INTEGER, "by": nullable(STRING), "at": DATETIME, "body": STRING,
                    "version": nullable(INTEGER)}, ["id", "by", "at", "body"]),
    "Attachment": obj({"key": {"type": "string", "description": "its id, for DELETE /attachments/{key}"},
                       "name": {"type": "string", "description": "the original file name"},
                       "size": {"type": "integer", "description": "bytes"}, "content_type": STRING,
                       "url": {"type": "string", "description": "download address (served as an attachment)"}},
                      ["name", "size", "content_type", "url"]),
    "SubmissionSummary": obj({
        "id": PUBLIC_ID, "title": STRING, "status": {"enum": STATUSES}, "version": INTEGER,
        "mmp": nullable(STRING), "state": nullable(STRING), "language": STRING, "organization": _ORGANIZATION,
        "submitted_at": nullable(DATETIME), "updated_at": DATETIME, "url": STRING,
    }, ["id", "title", "status", "version", "mmp", "state", "organization", "updated_at", "url"]),
    "SubmissionList": _page_of("SubmissionSummary"),
    "Submission": obj({
        "id": PUBLIC_ID, **_FIELDS_OUT,
        "status": {"enum": STATUSES},
        "version": {"type": "integer", "description": "the number of the revision under work"},
        "lock_version": {"type": "integer", "description": "changes whenever the submission changes"},
        "published_version": nullable({"type": "integer", "description": "the version the public sees, if any"}),
        "organization": _ORGANIZATION, "author": nullable(STRING), "claimed_by": nullable(STRING),
        "created_at": DATETIME, "updated_at": DATETIME, "submitted_at": nullable(DATETIME),
        "url": STRING, "case_url": nullable({"type": "string", "description": "the public page, once published"}),
        "allowed_actions": {"type": "array", "items": {"enum": [*TRANSITIONS, "edit", "attach", "new_revision",
                                                                "comment", "reverify"]},
                            "description": "what the caller may do now"},
        "history": {"type": "array", "items": ref("HistoryEvent"), "description": "the append-only audit trail"},
        "comments": {"type": "array", "items": ref("Comment")},
        "attachments": {"type": "array", "items": ref("Attachment")},
        "checklist": {"type": "object", "properties": {key: BOOLEAN for key in CHECKLIST},
                      "additionalProperties": False, "description": "the reviewer's checklist (each item ticked or not)"},
        "evidence_check": obj({
            "review_months": nullable({"type": "integer", "description": "months until the case is to be re-verified "
                                                                         "(null: a year)"}),
            "figures": {"type": "array", "items": obj({
                "figure": {"type": "integer", "minimum": 1}, "label": STRING, "claimed": _EVIDENCE,
                "reviewed": nullable({**_EVIDENCE, "description": "the reviewer's grade; null: not checked yet"})},
                ["figure", "label", "claimed", "reviewed"])}}, ["review_months", "figures"]),
    }, ["id", *_FIELDS_OUT, "status", "version", "lock_version", "published_version", "organization", "author",
        "claimed_by", "created_at", "updated_at", "url", "allowed_actions", "history", "comments", "attachments",
        "checklist", "evidence_check"]),
    "EvidenceCheckRequest": obj({
        "grades": {"type": "object", "propertyNames": {"pattern": "^[1-9][0-9]*$"}, "additionalProperties": _EVIDENCE,
                   "description": "figure number (from 1, as listed in outcomes) -> the grade confirmed or lowered "
                                  "to; a grade above the claimed one is refused (400 naming grade[n]); figures left "
                                  "out stay as they are"},
        "review_months": {"type": "integer", "minimum": evidence.MIN_REVIEW_MONTHS,
                          "maximum": evidence.MAX_REVIEW_MONTHS, "description": "months until re-verification"}},
        closed=True),
    "ChecklistRequest": obj({"checklist": {
        "type": "object", "properties": {key: BOOLEAN for key in CHECKLIST}, "additionalProperties": False,
        "description": "each item true or false; an item left out is not ticked"}}, ["checklist"], closed=True),
    "Notification": obj({"id": INTEGER, "kind": STRING, "message": STRING, "case": nullable(PUBLIC_ID),
                         "url": nullable(STRING), "created_at": DATETIME, "read": BOOLEAN},
                        ["id", "kind", "message", "case", "url", "created_at", "read"]),
    "NotificationList": _page_of("Notification", unread={"type": "integer", "description": "unread in all"}),
    "MarkRead": obj({"ids": {"type": "array", "items": INTEGER,
                             "description": "the notifications to mark; all of them when left out"}}, closed=True),
    "MarkedRead": obj({"marked": INTEGER, "unread": INTEGER}, ["marked", "unread"]),
    "Me": obj({"id": INTEGER, "email": STRING, "name": STRING, "role": {"enum": ["trainer", "submitter", "reviewer",
                                                                                "admin"]},
               "organization": nullable(obj({"slug": STRING, "name": STRING, "kind": STRING},
                                            ["slug", "name", "kind"]))},
              ["id", "email", "name", "role", "organization"]),
}

_SUBMISSION_ERRORS = ("400", "403", "404", "409")


def _paths() -> dict:
    library, work, review, account, meta = "library", "submissions", "review", "account", "meta"
    return {
        "/taxonomy": {"get": operation(
            "The MMPs and the states and union territories", tag=library, ok="200", schema="Taxonomy",
            token=False, operation_id="getTaxonomy")},
        "/cases": {"get": operation(
            "Search and filter the published library", tag=library, ok="200", schema="CaseList", token=False,
            errors=("400",), operation_id="listCases", params=[
                param("q", "query", STRING, "the search text; empty: every published case"),
                repeatable("mmp", STRING, "MMP slug; repeat for OR"),
                repeatable("mmp_category", {"enum": ["central", "state", "integrated"]}, "repeat for OR"),
                repeatable("state", STRING, "state code; repeat for OR"),
                repeatable("year", INTEGER, "year started; repeat for OR"),
                repeatable("tag", STRING, "repeat for OR"),
                repeatable("language", {"enum": [lang.value for lang in Language]}, "repeat for OR"),
                repeatable("evidence", _EVIDENCE, "overall evidence level; repeat for OR"),
                repeatable("award", STRING, "the name of an award or recognition of the case's live version, as "
                                            "listed in facets.award (e.g. National Award for e-Governance); "
                                            "repeat for OR"),
                param("current", "query", {"enum": ["0", "1"]}, "1: leave out cases overdue for re-verification"),
                param("sort", "query", {"enum": list(catalog.SORTS)},
                      "relevance (default with q), newest, title, evidence (strongest first), views (most "
                      "viewed: views of the case's page in the last 90 days, counted per day without identities "
                      "and a few seconds behind; ties in the default order: relevance with q, else newest)"),
                *PAGING])},
        "/cases/{public_id}": {"get": operation(
            "One published case (its live version)", tag=library, ok="200", schema="CaseDetail", token=False,
            errors=("404",), params=[PUBLIC_ID_PARAM], operation_id="getCase")},
        "/cases/{public_id}/similar": {"get": operation(
            "Published cases like this one", tag=library, ok="200", schema="SimilarCases", token=False,
            errors=("404",), params=[PUBLIC_ID_PARAM], operation_id="listSimilarCases")},
        "/cases/{public_id}/revisions": {"post": operation(
            "Open a new draft version of a published case", tag=work, ok="201", schema="Submission",
            created=True, errors=("400", "403", "404", "409"), params=[PUBLIC_ID_PARAM],
            operation_id="openRevision", description=(
                "Submitters of the case's organisation. The new version starts from the published content; "
                "the published version stays live until this one is approved. No body is needed. 409 if the "
                "case is not published or a version is already open."))},
        "/cases/{public_id}/archive": {"post": operation(
            "Withdraw a published case from the library", tag=review, ok="200", schema="Submission",
            body="ArchiveRequest", errors=_SUBMISSION_ERRORS, params=[PUBLIC_ID_PARAM], operation_id="archiveCase",
            description="Reviewers and admins; a note (the reason) is required. Its permalinks then answer 404.")},
        "/cases/{public_id}/confirm-current": {"post": operation(
            "Confirm a published case as current (re-verification)", tag=work, ok="200", schema="Freshness",
            body="ConfirmCurrentRequest", body_required=False, errors=_SUBMISSION_ERRORS, params=[PUBLIC_ID_PARAM],
            operation_id="confirmCurrent", description=(
                "The case's organisation (or an admin): recorded in the audit trail, no new version; the next "
                "review falls due after the case's interval. 409 for a case marked as discontinued.")),
        },
        "/cases/{public_id}/discontinue": {"post": operation(
            "Mark a published practice as discontinued", tag=work, ok="200", schema="Freshness",
            body="DiscontinueRequest", errors=_SUBMISSION_ERRORS, params=[PUBLIC_ID_PARAM],
            operation_id="discontinueCase", description=(
                "The case's organisation (or an admin), with the reason; the case stays readable and shows it.")),
        },
        "/submissions": {
            "get": operation(
                "Submissions you may see", tag=work, ok="200", schema="SubmissionList", errors=("400",),
                operation_id="listSubmissions", params=[
                    param("status", "query", {"enum": STATUSES}, "only those in this status"), *PAGING],
                description=("A submitter: their organisation's. A reviewer: all but drafts. An admin: all. "
                             "A trainer: none. Most recently changed first.")),
            "post": operation(
                "Start a submission (a new case, as a draft)", tag=work, ok="201", schema="Submission",
                body="SubmissionCreate", created=True, errors=("400", "403"), operation_id="createSubmission",
                description="Submitters of a state department or a nodal agency. The case belongs to your "
                            "organisation and gets its permanent public id now.")},
        "/submissions/{public_id}": {
            "get": operation(
                "A submission with its history and comments", tag=work, ok="200", schema="Submission",
                errors=("404",), params=[PUBLIC_ID_PARAM], operation_id="getSubmission",
                description="Its organisation and admins see it always; reviewers once it has been submitted."),
            "patch": operation(
                "Change a draft", tag=work, ok="200", schema="Submission", body="SubmissionChange",
                errors=_SUBMISSION_ERRORS, params=[PUBLIC_ID_PARAM], operation_id="updateSubmission",
                description="Submitters of its organisation, while draft or changes_requested.")},
        "/submissions/{public_id}/submit": {"post": operation(
            "Submit for review", tag=work, ok="200", schema="Submission", body="ActionRequest", body_required=False,
            errors=_SUBMISSION_ERRORS, params=[PUBLIC_ID_PARAM], operation_id="submitSubmission",
            description="Submitters of its organisation, from draft or changes_requested. A 400 names every "
                        "field that must be completed first.")},
        "/submissions/{public_id}/withdraw": {"post": operation(
            "Withdraw a submission to draft", tag=work, ok="200", schema="Submission", body="ActionRequest",
            body_required=False, errors=_SUBMISSION_ERRORS, params=[PUBLIC_ID_PARAM],
            operation_id="withdrawSubmission",
            description="Submitters of its organisation, while submitted (before a reviewer claims it).")},
        "/submissions/{public_id}/review": {"post": operation(
            "Claim, request changes, approve or reject", tag=review, ok="200", schema="Submission",
            body="ReviewRequest", errors=_SUBMISSION_ERRORS, params=[PUBLIC_ID_PARAM],
            operation_id="reviewSubmission", description=(
                "claim: a reviewer (or admin) not of the case's organisation and who wrote none of it, while "
                "submitted. request_changes, approve, reject: the reviewer who claimed it (or an independent "
                "admin), while in_review; request_changes and reject need a note. approve publishes."))},
        "/submissions/{public_id}/evidence": {"post": operation(
            "Check the evidence: confirm or lower each figure's grade", tag=review, ok="200", schema="Submission",
            body="EvidenceCheckRequest", errors=_SUBMISSION_ERRORS, params=[PUBLIC_ID_PARAM],
            operation_id="gradeEvidence", description=(
                "The reviewer who claimed the submission (or an independent admin), while in_review: what the "
                "submission page's evidence check does. Each grade given marks the figure reviewed; one line in "
                "the history says what was confirmed and what lowered. A grade cannot be raised above the claim."))},
        "/submissions/{public_id}/checklist": {"put": operation(
            "Save the review checklist", tag=review, ok="200", schema="Submission", body="ChecklistRequest",
            errors=_SUBMISSION_ERRORS, params=[PUBLIC_ID_PARAM], operation_id="saveChecklist", description=(
                "The reviewer who claimed the submission (or an independent admin), while in_review: the whole "
                "checklist, as the submission page saves it."))},
        "/submissions/{public_id}/comments": {"post": operation(
            "Comment on a submission", tag=work, ok="201", schema="Comment", body="CommentRequest", created=True,
            errors=("400", "403", "404"), params=[PUBLIC_ID_PARAM], operation_id="addComment",
            description="Its organisation's submitters, reviewers and admins who may see it; in any state.")},
        "/submissions/{public_id}/attachments": {"post": operation(
            "Attach a file to a draft", tag=work, ok="201", schema="Attachment", created=True, multipart=True,
            errors=(*_SUBMISSION_ERRORS, "413"), params=[PUBLIC_ID_PARAM], operation_id="uploadAttachment",
            description="PDF, DOCX, PPTX, XLSX, PNG or JPEG, recognised from its bytes; submitters of its "
                        "organisation, while draft or changes_requested.")},
        "/attachments/{key}": {"get": operation(
            "Download a file", tag=work, ok="200", download=True, token=False, errors=("404",),
            operation_id="downloadAttachment", params=[param("key", "path", STRING, "the attachment's key")],
            description="Served as a download with its original name, to whoever may see its version "
                        "(anyone once it is published)."), "delete": operation(
            "Remove a file from a draft", tag=work, ok="204", errors=("403", "404", "409"),
            params=[param("key", "path", STRING, "the attachment's key")], operation_id="removeAttachment")},
        "/me": {"get": operation("Who the token belongs to", tag=account, ok="200", schema="Me",
                                 operation_id="getMe")},
        "/notifications": {"get": operation(
            "Your notifications, newest first", tag=account, ok="200", schema="NotificationList",
            errors=("400",), operation_id="listNotifications", params=[
                param("unread", "query", BOOLEAN, "only the unread ones"), *PAGING])},
        "/notifications/read": {"post": operation(
            "Mark notifications read", tag=account, ok="200", schema="MarkedRead", body="MarkRead",
            body_required=False, errors=("400",), operation_id="markNotificationsRead")},
        "/openapi.json": {"get": operation(
            "This document", tag=meta, ok="200", token=False, operation_id="getOpenApi")},
        "/": {"get": operation(
            "Where to start: links to this document and the main collections", tag=meta, ok="200",
            schema="ApiRoot", token=False, operation_id="getApiRoot")},
    }


@functools.cache
def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kb — e-Governance Knowledge Repository API",
            "version": "1",
            "description": (
                "The published library of e-governance case studies, and the workflow that brings a case to "
                "it: states submit, independent reviewers decide, every step is recorded.\n\n"
                "Authenticate with a personal API token (your account page, or `kb tokens create --email E`) "
                "sent as `Authorization: Bearer <token>`. Without one you may read published content only; "
                "a wrong or revoked token is a 401 on every endpoint. Errors are always "
                "`{\"error\": {\"code\", \"message\", \"fields\"}}`. Lists take `page` (from 1) and "
                "`per_page` (default 20, at most 100) and answer `total`, `page`, `per_page`.\n\n"
                "The order of checks is: 401 (no or bad token) → 404 (a submission you may not see) → 403 "
                "(you may see it but not do this) → 409 (its state does not allow it, or your "
                "lock_version is stale) → 400 (what you sent)."),
        },
        "servers": [{"url": "/api/v1"}],
        "tags": [{"name": "library", "description": "Published cases: open to everyone"},
                 {"name": "submissions", "description": "Writing cases and new versions"},
                 {"name": "review", "description": "Reviewers' decisions"},
                 {"name": "account", "description": "The caller and their notifications"},
                 {"name": "adoption", "description": "Training institutes' and states' use of published cases"},
                 {"name": "meta"}],
        "paths": {**_paths(), **adoptions.openapi_paths()},
        "components": {
            "schemas": {**SCHEMAS, **adoptions.openapi_schemas()},
            "responses": RESPONSES,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "a personal API token (starts with kb_)"}},
        },
    }


@api.get("/openapi.json")
def openapi_document():
    return document()


@api.get("/", strict_slashes=False)
def api_root():
    """The API's front door: what it is, and links to its description and main collections (and to the
    site's other machine-readable doors: feeds, OAI-PMH, the sitemap)."""
    def link(endpoint: str, **values) -> str:
        return url_for(endpoint, _external=True, **values)

    return {
        "name": document()["info"]["title"],
        "version": document()["info"]["version"],
        "links": {"openapi": link("api.openapi_document"), "taxonomy": link("api.taxonomy"),
                  "cases": link("api.list_cases"), "submissions": link("api.list_submissions"),
                  "notifications": link("api.list_notifications"), "me": link("api.me")},
        "elsewhere": {"atom_feed": link("discovery.cases_feed"), "oai_pmh": link("discovery.oai_endpoint"),
                      "sitemap": link("discovery.sitemap")},
    }
