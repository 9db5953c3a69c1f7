"""The building blocks of the API's OpenAPI description: JSON Schema shapes, parameters, error responses
and operations. ``kb.api.openapi`` assembles the document; ``kb.api.adoptions`` describes its own
endpoints with the same blocks."""
from __future__ import annotations

from kb.services import attachments, catalog

JSON = "application/json"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    """The schema, or null (JSON Schema 2020-12, as OpenAPI 3.1 uses it)."""
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict, required: list[str] | tuple[str, ...] = (), *, closed: bool = False, **extra) -> dict:
    schema = {"type": "object", "properties": properties, "required": list(required), **extra}
    if closed:
        schema["additionalProperties"] = False
    return schema


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
DATETIME = {"type": "string", "format": "date-time"}
PUBLIC_ID = {"type": "string", "pattern": r"^KB-[0-9]{4,9}$", "examples": ["KB-0042"]}


# ---------------------------------------------------------------------------------------------------
# Responses and parameters

_ERRORS = {
    "400": "Bad input: `fields` names each problem (`body` for the body as a whole).",
    "401": "No token where one is needed, or a token that is wrong, revoked or of an inactive account.",
    "403": "You may see this submission but may not do this to it.",
    "404": "No such thing, or nothing you may see.",
    "409": "The submission's state does not allow this (the message names the state), or it changed since the "
           "lock_version you sent.",
    "413": "The request body is larger than the limit (KB_MAX_UPLOAD_BYTES).",
    "429": "Too many failed attempts (bad tokens, failed logins) from your address; wait and try again.",
}
RESPONSES = {code: {"description": text, "content": {JSON: {"schema": ref("Error")}}} for code, text in _ERRORS.items()}


def param(name: str, where: str, schema: dict, description: str = "", *, required: bool = False, **extra) -> dict:
    return {"name": name, "in": where, "required": required or where == "path", "schema": schema,
            "description": description, **extra}


PUBLIC_ID_PARAM = param("public_id", "path", PUBLIC_ID, "the case's stable public id")
PAGING = [param("page", "query", {"type": "integer", "minimum": 1, "default": 1}, "from 1"),
          param("per_page", "query", {"type": "integer", "minimum": 1, "maximum": catalog.MAX_PER_PAGE,
                                       "default": catalog.DEFAULT_PER_PAGE})]


def repeatable(name: str, schema: dict, description: str) -> dict:
    return param(name, "query", {"type": "array", "items": schema}, description, style="form", explode=True)


def operation(summary: str, *, tag: str, ok: str | None, schema: str | None = None, body: str | None = None,
              body_required: bool = True, params=(), errors=(), token: bool = True, description: str = "",
              created: bool = False, multipart: bool = False, download: bool = False, operation_id: str) -> dict:
    """One operation. ``ok`` is the success status; every operation may answer 401 (a bad token) and 429."""
    responses = {}
    if ok is not None:
        success = {"description": "Created" if created else ("No content" if ok == "204" else "OK")}
        if schema:
            success["content"] = {JSON: {"schema": ref(schema)}}
        if download:
            success["content"] = {kind: {"schema": {"type": "string", "contentMediaType": kind}}
                                  for kind in attachments.CONTENT_TYPES.values()}
            success["headers"] = {"Content-Disposition": {"schema": STRING,
                                                          "description": "attachment, with the original file name"}}
        if created and schema != "Comment":
            success["headers"] = {"Location": {"schema": STRING, "description": "the address of what was created"}}
        responses[ok] = success
    for code in sorted({"401", "429", *errors}):
        responses[code] = {"$ref": f"#/components/responses/{code}"}
    op = {"operationId": operation_id, "summary": summary, "tags": [tag], "parameters": list(params),
          "responses": responses,
          "security": [{"bearer": []}] if token else [{}, {"bearer": []}]}
    if description:
        op["description"] = description
    if body is not None:
        op["requestBody"] = {"required": body_required, "content": {JSON: {"schema": ref(body)}}}
    if multipart:
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": obj(
            {"file": {"type": "string", "contentMediaType": "application/octet-stream"}}, ["file"])}}}
    return op
