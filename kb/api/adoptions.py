"""Adoption of published cases over the API: training uses (as ../shared/API.md specifies) and replications.

- ``POST /cases/<id>/adoptions`` (a trainer of an ATI) records a training use: ``{"programme", "date",
  "participants", "notes"}`` and optionally ``"mode"`` and ``"rating"`` → 201 with the record.
- ``GET /cases/<id>/adoptions`` → ``{"total", "page", "per_page", "results": [{"ati", "programme", "date",
  "participants", ...}]}``; anyone may read it.
- ``GET /cases/<id>/replications``, ``POST`` (a submitter of another state), ``GET /replications/<rid>`` and
  ``PATCH /replications/<rid>`` (the replicating state's submitters, or an admin; a new ``status`` is
  appended to the record's ``history``).

Handlers parse, call one service in ``kb.services.adoptions``, commit and serialise. ``openapi_paths`` and
``OPENAPI_SCHEMAS`` describe these endpoints for ``kb.api.openapi``.
"""
from __future__ import annotations

from flask import url_for

from kb.api import api
from kb.api import requests as parse
from kb.api.auth import caller, token_required
from kb.api.schema import DATETIME, INTEGER, PAGING, PUBLIC_ID, PUBLIC_ID_PARAM, STRING, nullable, obj, operation, param
from kb.errors import NotFound
from kb.extensions import db
from kb.models import Replication, ReplicationStatus, TrainingMode, TrainingUse
from kb.services import adoptions
from kb.validation import whole_number

TRAINING_FIELDS = ("programme", "date", "participants", "mode", "notes", "rating")
REPLICATION_FIELDS = ("status", "adaptations", "outcome", "contact_name", "contact_email", "contact_phone")
SET_BY_KB = ("id", "ati", "ati_name", "case", "state", "organization", "recorded_by", "created_at", "updated_at",
             "history")


@api.get("/cases/<public_id>/adoptions")
def list_adoptions(public_id: str):
    page, per_page = parse.paging()
    listing = adoptions.list_training_uses(public_id, page=page, per_page=per_page)
    return {"total": listing.total, "page": listing.page, "per_page": listing.per_page,
            "results": [training_use(use) for use in listing.items]}


@api.post("/cases/<public_id>/adoptions")
@token_required
def record_adoption(public_id: str):
    data = parse.only(parse.json_object(), TRAINING_FIELDS, read_only=SET_BY_KB)
    use = adoptions.record_training_use(caller(), public_id, data)
    db.session.commit()
    return training_use(use), 201, {"Location": url_for(".list_adoptions", public_id=use.case.public_id)}


@api.get("/cases/<public_id>/replications")
def list_replications(public_id: str):
    results = adoptions.list_replications(public_id)
    return {"total": len(results), "results": [replication(r) for r in results]}


@api.post("/cases/<public_id>/replications")
@token_required
def record_replication(public_id: str):
    data = parse.only(parse.json_object(), REPLICATION_FIELDS, read_only=SET_BY_KB)
    record = adoptions.record_replication(caller(), public_id, data)
    db.session.commit()
    return replication(record), 201, {"Location": url_for(".get_replication", replication_id=record.id)}


@api.get("/replications/<replication_id>")
def get_replication(replication_id: str):
    return replication(adoptions.get_replication(_record_id(replication_id)))


@api.patch("/replications/<replication_id>")
@token_required
def update_replication(replication_id: str):
    data = parse.only(parse.json_object(), (*REPLICATION_FIELDS, "note"), read_only=SET_BY_KB)
    record = adoptions.update_replication(caller(), _record_id(replication_id), data)
    db.session.commit()
    return replication(record)


def _record_id(raw: str) -> int:
    """A record id from the path (any other text is simply not found; the token is checked first)."""
    number = whole_number(raw)
    if number is None:
        raise NotFound("No such replication record.")
    return number


# ---------------------------------------------------------------------------------------------------
# Shapes


def training_use(use: TrainingUse) -> dict:
    return {
        "id": use.id,
        "case": use.case.public_id,
        "ati": use.organization.slug,
        "ati_name": use.organization.name,
        "programme": use.programme,
        "date": use.held_on.isoformat(),
        "participants": use.participants,
        "mode": use.mode,
        "rating": use.rating,
        "notes": use.notes,
        "created_at": use.created_at.isoformat(),
    }


def replication(record: Replication) -> dict:
    return {
        "id": record.id,
        "case": record.case.public_id,
        "state": record.state.code,
        "state_name": record.state.name,
        "status": record.status,
        "adaptations": record.adaptations,
        "outcome": record.outcome,
        "contact": {"name": record.contact_name, "email": record.contact_email, "phone": record.contact_phone},
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
        "history": [{"from": event.from_status, "to": event.status, "at": event.created_at.isoformat(),
                     "note": event.note} for event in record.events],
    }


# ---------------------------------------------------------------------------------------------------
# OpenAPI (merged into /api/v1/openapi.json by kb.api.openapi)


def _schemas() -> dict:
    modes = [m.value for m in TrainingMode]
    statuses = [s.value for s in ReplicationStatus]
    date = {"type": "string", "format": "date", "description": "YYYY-MM-DD; not in the future (India's today)"}
    return {
        "TrainingUseRequest": obj({
            "programme": {"type": "string", "minLength": 1, "maxLength": adoptions.MAX_PROGRAMME},
            "date": date,
            "participants": {"type": "integer", "minimum": 1, "maximum": adoptions.MAX_PARTICIPANTS},
            "mode": {"enum": modes, "default": TrainingMode.classroom.value},
            "notes": {"type": "string", "maxLength": adoptions.MAX_TEXT},
            "rating": nullable({"type": "integer", "minimum": 1, "maximum": 5,
                                "description": "how useful the case was"}),
        }, ["programme", "date", "participants"], closed=True, description=(
            "The caller's institute is the ATI their account belongs to (400 naming `ati` if none). The same "
            "programme (compared without case or spacing) on the same date is recorded once per institute "
            "and case: a second is a 409.")),
        "TrainingUse": obj({
            "id": INTEGER, "case": PUBLIC_ID,
            "ati": {"type": "string", "description": "the institute's slug (its page: /institutes/<slug>)"},
            "ati_name": STRING, "programme": STRING, "date": {"type": "string", "format": "date"},
            "participants": INTEGER, "mode": {"enum": modes}, "rating": nullable(INTEGER), "notes": STRING,
            "created_at": DATETIME,
        }, ["ati", "programme", "date", "participants"]),
        "TrainingUseList": obj({
            "total": INTEGER, "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/TrainingUse"}},
        }, ["total", "page", "per_page", "results"]),
        "ReplicationRequest": obj({
            "status": {"enum": statuses}, "adaptations": STRING, "outcome": STRING,
            "contact_name": {"type": "string", "minLength": 1, "maxLength": 200},
            "contact_email": nullable(STRING), "contact_phone": nullable(STRING),
        }, ["status", "contact_name"], closed=True, description=(
            "The caller's state is their account's, else their organisation's (400 naming `state` if neither "
            "names one). One record per state and case: a second is a 409 (change the first).")),
        "ReplicationChange": obj({
            "status": {"enum": statuses}, "note": {"type": "string", "description": "why the status changed"},
            "adaptations": STRING, "outcome": STRING, "contact_name": STRING, "contact_email": nullable(STRING),
            "contact_phone": nullable(STRING),
        }, closed=True, description="Only the fields to change; a new status is appended to the history."),
        "Replication": obj({
            "id": INTEGER, "case": PUBLIC_ID, "state": STRING, "state_name": STRING, "status": {"enum": statuses},
            "adaptations": STRING, "outcome": STRING,
            "contact": obj({"name": STRING, "email": nullable(STRING), "phone": nullable(STRING)}, ["name"]),
            "created_at": DATETIME, "updated_at": DATETIME,
            "history": {"type": "array", "description": "every status the record has had (append-only)",
                        "items": obj({"from": nullable({"enum": statuses}), "to": {"enum": statuses},
                                      "at": DATETIME, "note": STRING}, ["from", "to", "at", "note"])},
        }, ["id", "case", "state", "status", "adaptations", "outcome", "contact", "history"]),
        "ReplicationList": obj({"total": INTEGER,
                                "results": {"type": "array", "items": {"$ref": "#/components/schemas/Replication"}}},
                               ["total", "results"]),
    }


def openapi_schemas() -> dict:
    return _schemas()


def openapi_paths() -> dict:
    tag = "adoption"
    rid = param("replication_id", "path", INTEGER, "the replication record's id")
    return {
        "/cases/{public_id}/adoptions": {
            "get": operation(
                "Training institutes that used a published case", tag=tag, ok="200", schema="TrainingUseList",
                token=False, errors=("400", "404"), params=[PUBLIC_ID_PARAM, *PAGING],
                operation_id="listAdoptions", description="Newest programme first. 404 for an unknown or "
                                                          "unpublished case."),
            "post": operation(
                "Record that your institute used a case in training", tag=tag, ok="201", schema="TrainingUse",
                body="TrainingUseRequest", created=True, errors=("400", "403", "404", "409"),
                params=[PUBLIC_ID_PARAM], operation_id="recordAdoption",
                description="Trainers of an Administrative Training Institute. 400 names each bad field "
                            "(a negative number of participants, a date in the future, an account without "
                            "an ATI: `ati`); 409 for the same programme and date again.")},
        "/cases/{public_id}/replications": {
            "get": operation(
                "States that replicate a published case", tag=tag, ok="200", schema="ReplicationList",
                token=False, errors=("404",), params=[PUBLIC_ID_PARAM], operation_id="listReplications"),
            "post": operation(
                "Record that your state replicates a case", tag=tag, ok="201", schema="Replication",
                body="ReplicationRequest", created=True, errors=("400", "403", "404", "409"),
                params=[PUBLIC_ID_PARAM], operation_id="recordReplication",
                description="Submitters of another state than the case's (403 for the case's own state).")},
        "/replications/{replication_id}": {
            "get": operation(
                "A replication with its status history", tag=tag, ok="200", schema="Replication", token=False,
                errors=("404",), params=[rid], operation_id="getReplication"),
            "patch": operation(
                "Change a replication's status or details", tag=tag, ok="200", schema="Replication",
                body="ReplicationChange", errors=("400", "403", "404"), params=[rid],
                operation_id="updateReplication",
                description="Submitters of the replicating state, or an admin.")},
    }
