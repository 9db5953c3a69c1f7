"""Attachment routes: upload to a submission, remove, and download.

A download is served as a download (``Content-Disposition: attachment``, with the original name in
RFC 5987 ``filename*``), with the type sniffed at upload, ``nosniff`` and a sandboxing CSP, and only to
those who may see the revision it belongs to: anyone else gets 404, as for a file that does not exist.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kb.errors import Conflict, TooLarge, ValidationError
from kb.extensions import db
from kb.services import attachments as service
from kb.services import submissions
from kb.services.usage import record_download
from kb.responses import attachment_response
from kb.views.submission_page import render_submission

attachments = Blueprint("attachments", __name__)


@attachments.get("/attachments/<key>/<filename>")
def download(key: str, filename: str):
    attachment = service.get_attachment(current_user if current_user.is_authenticated else None, key)
    case = attachment.revision.case
    response = attachment_response(attachment)
    if case.published_revision_id == attachment.revision_id:  # a published file: counted (numbers only)
        from kb.views.public import count_use

        count_use(record_download, case)
    return response


@attachments.post("/submissions/<public_id>/attachments")
@login_required
def upload(public_id: str):
    upload = request.files.get(service.FIELD)
    try:
        if upload is None or not upload.filename:
            raise ValidationError(_("Choose a file to upload."), {service.FIELD: _("no file chosen")})
        attachment = service.add_attachment(current_user, public_id, filename=upload.filename,
                                            content=upload.stream)
    except (ValidationError, TooLarge, Conflict) as error:
        db.session.rollback()
        return render_submission(submissions.get_submission(current_user, public_id), error=error)
    db.session.commit()
    flash(_("Attached %(name)s.", name=attachment.filename), "success")
    return redirect(url_for("submit.show", public_id=attachment.revision.case.public_id) + "#files")


@attachments.post("/attachments/<key>/remove")
@login_required
def remove(key: str):
    removed = service.get_attachment(current_user, key)
    public_id = removed.revision.case.public_id
    try:
        service.remove_attachment(current_user, key)
    except Conflict as error:
        db.session.rollback()
        return render_submission(submissions.get_submission(current_user, public_id), error=error)
    db.session.commit()
    flash(_("Removed %(name)s.", name=removed.filename), "success")
    return redirect(url_for("submit.show", public_id=public_id) + "#files")
