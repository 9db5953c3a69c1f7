"""Attachments over HTTP: uploading on the submission page, downloading safely, and who may fetch what."""
from __future__ import annotations

import urllib.parse

from sqlalchemy import func, select

from kb.extensions import db
from kb.models import Attachment, AttachmentBlob
from kb.services import attachments, submissions
from tests.services.test_attachments import PDF, PNG, office_file, zip_bomb
from tests.views.screens import csrf_token, post, text_of, visible_text


def upload(client, case, data: bytes, filename: str, content_type: str = "application/pdf"):
    """POST a file as a browser does. The body is built here, in memory: for a large body the test client
    would spool it to a temporary file that it never closes."""
    boundary = "----kb-test-boundary-7d3f"
    quoted_name = filename.replace('"', "%22")
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf_token(client)}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{quoted_name}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return client.post(f"/submissions/{case.public_id}/attachments", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def stored_rows() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Attachment)),
            db.session.scalar(select(func.count()).select_from(AttachmentBlob)))


def only_attachment() -> Attachment:
    return db.session.scalar(select(Attachment))


def test_a_submitter_uploads_a_file_and_sees_it_listed(client, make_submission, login_as):
    case, people = make_submission("draft")
    login_as(client, people["submitter"])
    page = visible_text(client.get(f"/submissions/{case.public_id}"))
    assert "Add a file" in page and "PDF, Word (DOCX), PowerPoint (PPTX), Excel (XLSX), PNG or JPEG, up to 20 MB" in page

    response = upload(client, case, office_file("docx"), "मूल्यांकन रिपोर्ट.docx",
                      "application/octet-stream")
    assert response.status_code == 302
    text = visible_text(client.get(response.headers["Location"]))
    assert "Attached मूल्यांकन रिपोर्ट.docx" in text
    assert "मूल्यांकन रिपोर्ट.docx DOCX" in text and "Remove मूल्यांकन रिपोर्ट.docx" in text


def test_a_download_is_an_attachment_with_the_sniffed_type_nosniff_and_the_unicode_name(client, make_submission,
                                                                                         login_as):
    case, people = make_submission("draft")
    login_as(client, people["submitter"])
    upload(client, case, PNG, "भूमि नक्शा.png", "text/html")
    attachment = only_attachment()
    page = text_of(client.get(f"/submissions/{case.public_id}"))
    link = f"/attachments/{attachment.key}/{urllib.parse.quote(attachment.filename)}"
    assert f'href="{link}"' in page

    response = client.get(link)
    assert response.status_code == 200
    assert response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + urllib.parse.quote("भूमि नक्शा.png") in disposition
    assert 'filename=attachment.png' in disposition
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "no-store" in response.headers["Cache-Control"], "an unpublished file is not cached"


def test_a_path_in_the_uploaded_name_is_dropped(client, make_submission, login_as):
    case, people = make_submission("draft")
    login_as(client, people["submitter"])
    assert upload(client, case, PDF, "../../etc/passwd").status_code == 302
    # A client escapes backslashes in a multipart file name; the server unescapes them.
    windows_path = "..\\..\\boot.ini\\figures.xlsx".replace("\\", "\\\\")
    assert upload(client, case, office_file("xlsx"), windows_path).status_code == 302
    names = sorted(db.session.scalars(select(Attachment.filename)))
    assert names == ["figures.xlsx", "passwd.pdf"]
    page = text_of(client.get(f"/submissions/{case.public_id}"))
    assert ".." not in "".join(line for line in page.splitlines() if "/attachments/" in line)


def test_one_byte_over_the_limit_answers_413_and_stores_nothing(client, app, make_submission, login_as):
    case, people = make_submission("draft")
    login_as(client, people["submitter"])
    limit = app.config["KB_MAX_UPLOAD_BYTES"]
    assert limit == 20 * 1024 * 1024, "the default limit"
    too_big = PDF + b"0" * (limit + 1 - len(PDF))
    response = upload(client, case, too_big, "scan.pdf")
    assert response.status_code == 413
    assert "larger than the limit of 20 MB" in visible_text(response)
    assert stored_rows() == (0, 0)


def test_a_file_exactly_at_a_configured_limit_is_accepted(client, app, make_submission, login_as):
    case, people = make_submission("draft")
    login_as(client, people["submitter"])
    app.config["KB_MAX_UPLOAD_BYTES"] = 5000
    assert upload(client, case, PDF + b"0" * (5000 - len(PDF)), "scan.pdf").status_code == 302
    assert upload(client, case, PDF + b"0" * (5001 - len(PDF)), "scan2.pdf").status_code == 413
    assert stored_rows() == (1, 1)


def test_html_or_svg_named_pdf_is_refused_with_a_400_naming_the_field(client, make_submission, login_as):
    case, people = make_submission("draft")
    login_as(client, people["submitter"])
    for data in (b"<html><body><script>alert(document.cookie)</script></body></html>",
                 b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'):
        response = upload(client, case, data, "report.pdf", "application/pdf")
        assert response.status_code == 400
        text = visible_text(response)
        assert "This type of file is not accepted." in text
        assert "File: not a PDF, DOCX, PPTX, XLSX, PNG or JPEG file" in text
    assert stored_rows() == (0, 0)


def test_a_zip_bomb_named_docx_is_refused(client, make_submission, login_as):
    case, people = make_submission("draft")
    login_as(client, people["submitter"])
    response = upload(client, case, zip_bomb(), "report.docx",
                      "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert response.status_code == 400
    assert "unpacks to far more than it holds" in visible_text(response)
    assert stored_rows() == (0, 0)


def test_no_file_chosen_says_so(client, make_submission, login_as):
    case, people = make_submission("draft")
    login_as(client, people["submitter"])
    response = post(client, f"/submissions/{case.public_id}/attachments", {}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a file to upload." in visible_text(response)


def test_a_drafts_file_is_404_to_anonymous_visitors_other_organisations_and_reviewers(
        client, make_user, make_org, make_submission, login_as):
    case, people = make_submission("draft")
    attachment = attachments.add_attachment(people["submitter"], case.public_id, filename="draft.pdf", content=PDF)
    db.session.commit()
    link = f"/attachments/{attachment.key}/draft.pdf"

    assert client.get(link).status_code == 404, "anonymous"
    make_org("tn-it", "state_department", "TN")
    login_as(client, make_user("submitter", org="tn-it"))
    assert client.get(link).status_code == 404, "another organisation's submitter"
    login_as(client, people["reviewer"])
    assert client.get(link).status_code == 404, "a reviewer, before it is submitted"
    login_as(client, people["submitter"])
    assert client.get(link).status_code == 200
    assert client.get(f"/attachments/{attachment.key[:-1]}x/draft.pdf").status_code == 404


def test_a_published_cases_files_are_public_and_listed_on_its_page_and_in_the_api(client, make_submission):
    case, people = make_submission("draft")
    submitter, reviewer = people["submitter"], people["reviewer"]
    attachment = attachments.add_attachment(submitter, case.public_id, filename="Evaluation report.pdf", content=PDF)
    for action, actor in (("submit", submitter), ("claim", reviewer), ("approve", reviewer)):
        submissions.take_action(actor, case.public_id, action)
    db.session.commit()
    link = f"/attachments/{attachment.key}/Evaluation%20report.pdf"

    response = client.get(link)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert 'filename="Evaluation report.pdf"' in response.headers["Content-Disposition"]
    page = text_of(client.get(f"/cases/{case.public_id}"))
    assert f'href="{link}"' in page and "Evaluation report.pdf" in page
    detail = client.get(f"/api/v1/cases/{case.public_id}").get_json()
    assert detail["attachments"] == [{"name": "Evaluation report.pdf", "size": len(PDF),
                                      "content_type": "application/pdf", "url": f"http://kb.test{link}"}]


def test_an_archived_cases_files_are_no_longer_public(client, make_submission):
    case, people = make_submission("draft")
    attachment = attachments.add_attachment(people["submitter"], case.public_id, filename="a.pdf", content=PDF)
    for action, actor in (("submit", people["submitter"]), ("claim", people["reviewer"]),
                          ("approve", people["reviewer"])):
        submissions.take_action(actor, case.public_id, action)
    submissions.take_action(people["reviewer"], case.public_id, "archive", note="withdrawn by the state")
    db.session.commit()
    assert client.get(f"/attachments/{attachment.key}/a.pdf").status_code == 404


def test_an_archived_cases_earlier_versions_files_are_no_longer_public_either(client, make_submission):
    """Version 1 was superseded by version 2, then the case was archived: neither version is public now."""
    case, people = make_submission("draft")
    submitter, reviewer = people["submitter"], people["reviewer"]
    first = attachments.add_attachment(submitter, case.public_id, filename="v1.pdf", content=PDF)
    for action, actor in (("submit", submitter), ("claim", reviewer), ("approve", reviewer)):
        submissions.take_action(actor, case.public_id, action)
    submissions.open_new_revision(submitter, case.public_id)
    for action, actor in (("submit", submitter), ("claim", reviewer), ("approve", reviewer)):
        submissions.take_action(actor, case.public_id, action)
    db.session.commit()
    assert case.revisions[0].status == "superseded"
    assert client.get(f"/attachments/{first.key}/v1.pdf").status_code == 200
    submissions.take_action(reviewer, case.public_id, "archive", note="withdrawn by the state")
    db.session.commit()
    assert client.get(f"/attachments/{first.key}/v1.pdf").status_code == 404


def test_the_submitter_removes_a_file_and_others_cannot(client, make_user, make_org, make_submission, login_as):
    case, people = make_submission("draft")
    attachment = attachments.add_attachment(people["submitter"], case.public_id, filename="old.pdf", content=PDF)
    db.session.commit()
    make_org("tn-it", "state_department", "TN")
    login_as(client, make_user("submitter", org="tn-it"))
    assert post(client, f"/attachments/{attachment.key}/remove").status_code == 404
    login_as(client, people["submitter"])
    response = post(client, f"/attachments/{attachment.key}/remove")
    assert response.status_code == 302
    assert "Removed old.pdf" in visible_text(client.get(response.headers["Location"]))
    assert stored_rows() == (0, 0)


def test_files_cannot_change_once_submitted(client, make_submission, login_as):
    case, people = make_submission("submitted")
    login_as(client, people["submitter"])
    assert "Add a file" not in visible_text(client.get(f"/submissions/{case.public_id}"))
    response = upload(client, case, PDF, "late.pdf")
    assert response.status_code == 409
    assert stored_rows() == (0, 0)
