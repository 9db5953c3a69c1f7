"""HTTP responses that the site's pages and the JSON API both give: the JSON error shape
(../shared/API.md) and a file download. Below both layers, so neither imports the other."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, jsonify, request
from werkzeug.http import dump_options_header

from kb import permissions
from kb.services import attachments as attachment_service


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    payload = {"error": {"code": code, "message": message}}
    if fields:
        payload["error"]["fields"] = fields
    return jsonify(payload), status


def attachment_response(attachment):
    """A file as a download (the site's and the API's): its original Unicode name, its sniffed type,
    never rendered by the browser, cached only when the public may read it."""
    response = Response(attachment_service.content_of(attachment), mimetype=attachment.content_type)
    response.headers["Content-Disposition"] = dump_options_header("attachment", {
        "filename": attachment_service.ascii_filename(attachment.filename),
        "filename*": "UTF-8''" + quote(attachment.filename, safe="!#$&+-.^_`|~"),
    })
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    public = permissions.is_public_revision(attachment.revision)
    response.headers["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    response.set_etag(attachment.blob.sha256)
    return response.make_conditional(request)
