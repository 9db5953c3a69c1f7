"""Attachments through their service: what is accepted (by content, not name), where it is kept, who sees it."""
from __future__ import annotations

import io
import os
import zipfile

import pytest
from sqlalchemy import func, select

from kb.errors import Conflict, Forbidden, NotFound, TooLarge, ValidationError
from kb.extensions import db
from kb.models import Attachment, AttachmentBlob
from kb.services import attachments, submissions

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"

_OFFICE = {
    "docx": ("word/", "document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "pptx": ("ppt/", "presentation.xml",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
    "xlsx": ("xl/", "workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
}


def office_file(kind: str, *, extra: dict[str, bytes] | None = None, main_type: str | None = None) -> bytes:
    """A minimal Office Open XML package of ``kind`` (docx, pptx or xlsx)."""
    folder, main, content_type = _OFFICE[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{folder}{main}" ContentType="{main_type or content_type}"/></Types>'))
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(folder + main, "<document>Land records, digitised.</document>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A Word document whose media part is 50 MB of zeros packed into about 50 KB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(office_file("docx"))) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in source.infolist():
            archive.writestr(entry, source.read(entry))
        with archive.open("word/media/image1.png", "w") as handle:
            chunk = bytes(1024 * 1024)
            for _ in range(50):
                handle.write(chunk)
    return buffer.getvalue()


@pytest.fixture
def draft(make_submission):
    case, people = make_submission("draft")
    return case, people["submitter"]


def attach(user, case, data: bytes, filename: str = "report.pdf", **kwargs) -> Attachment:
    attachment = attachments.add_attachment(user, case.public_id, filename=filename, content=data, **kwargs)
    db.session.commit()
    return attachment


def stored_rows() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Attachment)),
            db.session.scalar(select(func.count()).select_from(AttachmentBlob)))


# ---------------------------------------------------------------------------------------------------
# The type comes from the content


@pytest.mark.parametrize("kind, data", [
    ("pdf", PDF), ("png", PNG), ("jpeg", JPEG),
    ("docx", office_file("docx")), ("pptx", office_file("pptx")), ("xlsx", office_file("xlsx")),
])
def test_each_accepted_type_is_recognised_by_its_content(kind, data):
    assert attachments.sniff(data) == kind


def test_the_content_type_is_sniffed_whatever_the_name_says(draft):
    case, submitter = draft
    attachment = attach(submitter, case, PNG, filename="chart.pdf")
    assert attachment.kind == "png" and attachment.content_type == "image/png"
    assert attachment.filename == "chart.pdf.png", "the name gets the extension of what it really is"


@pytest.mark.parametrize("data", [
    b"<!doctype html><html><script>alert(1)</script></html>",
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    b"  %PDF-1.7 but not at the start",
    b"GIF89a\x01\x00\x01\x00",
    b"MZ\x90\x00 an executable",
    b"plain text, named .pdf",
], ids=["html", "svg", "svg-xml", "pdf-not-at-start", "gif", "exe", "text"])
def test_html_svg_and_other_types_are_refused_naming_the_field(draft, data):
    case, submitter = draft
    with pytest.raises(ValidationError) as error:
        attachments.add_attachment(submitter, case.public_id, filename="report.pdf", content=data)
    assert "file" in error.value.fields
    db.session.rollback()
    assert stored_rows() == (0, 0)


def test_a_zip_that_is_not_an_office_document_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", "<script>alert(1)</script>")
    with pytest.raises(ValidationError):
        attachments.sniff(buffer.getvalue())


def test_a_macro_enabled_document_is_refused():
    docm = office_file("docx", main_type="application/vnd.ms-word.document.macroEnabled.main+xml",
                       extra={"word/vbaProject.bin": b"macro"})
    with pytest.raises(ValidationError):
        attachments.sniff(docm)


def test_a_package_declaring_word_without_a_word_folder_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", f'<Types><Override ContentType="{_OFFICE["docx"][2]}"/></Types>')
        archive.writestr("other/document.xml", "<x/>")
    with pytest.raises(ValidationError):
        attachments.sniff(buffer.getvalue())


def test_a_broken_zip_is_refused():
    with pytest.raises(ValidationError):
        attachments.sniff(office_file("docx")[:200])


def test_a_zip_bomb_disguised_as_a_word_document_is_refused(draft):
    case, submitter = draft
    bomb = zip_bomb()
    assert len(bomb) < 1024 * 1024
    with pytest.raises(ValidationError) as error:
        attachments.add_attachment(submitter, case.public_id, filename="annual-report.docx", content=bomb)
    assert "file" in error.value.fields and "unpacks" in error.value.fields["file"]
    db.session.rollback()
    assert stored_rows() == (0, 0)


def test_the_unpacked_size_of_an_office_file_is_bounded(monkeypatch):
    document = office_file("xlsx", extra={"xl/media/photo.bin": os.urandom(4000)})  # incompressible
    assert attachments.sniff(document) == "xlsx"
    monkeypatch.setattr(attachments, "MAX_UNPACKED_BYTES", 2000)
    with pytest.raises(ValidationError):
        attachments.sniff(document)


# ---------------------------------------------------------------------------------------------------
# Size


def test_a_file_at_the_limit_is_accepted_and_one_byte_over_is_refused_leaving_nothing(draft):
    case, submitter = draft
    limit = 4096
    at_limit = PDF + b"0" * (limit - len(PDF))
    attach(submitter, case, at_limit, max_bytes=limit)
    assert stored_rows() == (1, 1)
    with pytest.raises(TooLarge) as error:
        attachments.add_attachment(submitter, case.public_id, filename="big.pdf", content=at_limit + b"1",
                                   max_bytes=limit)
    assert error.value.status == 413 and "file" in error.value.fields
    db.session.rollback()
    assert stored_rows() == (1, 1)


def test_the_default_limit_is_the_configured_upload_size(app, draft):
    case, submitter = draft
    app.config["KB_MAX_UPLOAD_BYTES"] = 1000
    with pytest.raises(TooLarge):
        attachments.add_attachment(submitter, case.public_id, filename="big.pdf",
                                   content=io.BytesIO(PDF + b"0" * 1000))


def test_an_empty_file_is_refused(draft):
    case, submitter = draft
    with pytest.raises(ValidationError):
        attachments.add_attachment(submitter, case.public_id, filename="empty.pdf", content=b"")


# ---------------------------------------------------------------------------------------------------
# Names


@pytest.mark.parametrize("given, kept", [
    ("../../etc/passwd", "passwd.pdf"),
    ("..\\..\\windows\\system32\\report.pdf", "report.pdf"),
    ("/var/www/static/evil.pdf", "evil.pdf"),
    (".htaccess", "htaccess.pdf"),
    ("भूमि अभिलेख रिपोर्ट.pdf", "भूमि अभिलेख रिपोर्ट.pdf"),
    ("invoice\u202egnp.pdf", "invoicegnp.pdf"),
    ("a\x00b\r\nc.pdf", "abc.pdf"),
    ('what?<is>"this"|*.pdf', "what__is__this___.pdf"),
    ("", "attachment.pdf"),
    ("Report.PDF", "Report.PDF"),
])
def test_file_names_keep_only_a_safe_last_component(given, kept):
    assert attachments.clean_filename(given, "pdf") == kept


def test_hindi_names_keep_their_joining_characters():
    name = "क्\u200dष.pdf"
    assert attachments.clean_filename(name, "pdf") == name


def test_a_long_name_is_shortened_keeping_its_extension():
    name = attachments.clean_filename("x" * 500 + ".pdf", "pdf")
    assert len(name) <= 200 and name.endswith(".pdf")


def test_the_ascii_fallback_name_is_never_empty():
    assert attachments.ascii_filename("भूमि अभिलेख.pdf") == "attachment.pdf"
    assert attachments.ascii_filename("Rapport d'été.pdf") == "Rapport d_ete.pdf"
    assert attachments.ascii_filename('a"b;c\\d.pdf') == "a_b_c_d.pdf"


# ---------------------------------------------------------------------------------------------------
# Storage


def test_the_same_content_is_stored_once(draft):
    case, submitter = draft
    first = attach(submitter, case, PDF, filename="a.pdf")
    second = attach(submitter, case, PDF, filename="b.pdf")
    assert first.blob_id == second.blob_id and first.key != second.key
    assert stored_rows() == (2, 1)
    assert len(first.key) >= 20 and first.key not in ("a.pdf", "b.pdf")


def test_removing_a_file_removes_its_content_when_nothing_else_shares_it(draft):
    case, submitter = draft
    first = attach(submitter, case, PDF, filename="a.pdf")
    second = attach(submitter, case, PDF, filename="b.pdf")
    attachments.remove_attachment(submitter, first.key)
    db.session.commit()
    assert stored_rows() == (1, 1)
    attachments.remove_attachment(submitter, second.key)
    db.session.commit()
    assert stored_rows() == (0, 0)


def test_a_new_version_shares_the_published_files(make_submission):
    case, people = make_submission("draft")
    submitter = people["submitter"]
    original = attach(submitter, case, PDF, filename="evaluation.pdf")
    for action, actor in (("submit", submitter), ("claim", people["reviewer"]), ("approve", people["reviewer"])):
        submissions.take_action(actor, case.public_id, action)
        db.session.commit()
    case = submissions.open_new_revision(submitter, case.public_id)
    db.session.commit()
    copy = case.working_revision.attachments[0]
    assert copy.key != original.key and copy.blob_id == original.blob_id and copy.filename == "evaluation.pdf"

    attachments.remove_attachment(submitter, copy.key)
    db.session.commit()
    assert [a.key for a in case.published_revision.attachments] == [original.key]
    assert stored_rows() == (1, 1), "the published version keeps its file"
    with pytest.raises(Conflict):
        attachments.remove_attachment(submitter, original.key)


# ---------------------------------------------------------------------------------------------------
# Who


def test_only_the_submitting_organisation_attaches_while_it_may_edit(make_user, make_org, make_submission):
    case, people = make_submission("draft")
    make_org("tn-it", "state_department", "TN")
    with pytest.raises(NotFound):
        attachments.add_attachment(make_user("submitter", org="tn-it"), case.public_id, filename="x.pdf", content=PDF)
    with pytest.raises(NotFound):
        attachments.add_attachment(None, case.public_id, filename="x.pdf", content=PDF)
    submitted, people = make_submission("submitted")
    with pytest.raises(Forbidden):
        attachments.add_attachment(people["reviewer"], submitted.public_id, filename="x.pdf", content=PDF)
    with pytest.raises(Conflict):
        attachments.add_attachment(people["submitter"], submitted.public_id, filename="x.pdf", content=PDF)


def test_who_may_fetch_a_file_is_who_may_see_its_revision(make_user, make_org, make_submission):
    case, people = make_submission("draft")
    submitter, reviewer = people["submitter"], people["reviewer"]
    attachment = attach(submitter, case, PDF)
    make_org("tn-it", "state_department", "TN")
    stranger = make_user("submitter", org="tn-it")
    assert attachments.get_attachment(submitter, attachment.key) == attachment
    for outsider in (None, stranger, reviewer):
        with pytest.raises(NotFound):
            attachments.get_attachment(outsider, attachment.key)

    submissions.take_action(submitter, case.public_id, "submit")
    db.session.commit()
    assert attachments.get_attachment(reviewer, attachment.key) == attachment
    with pytest.raises(NotFound):
        attachments.get_attachment(None, attachment.key)
    for action in ("claim", "approve"):
        submissions.take_action(reviewer, case.public_id, action)
        db.session.commit()
    assert attachments.get_attachment(None, attachment.key) == attachment, "a published version's files are public"
    with pytest.raises(NotFound):
        attachments.get_attachment(None, "no-such-key")
