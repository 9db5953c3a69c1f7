"""Attachments: the files a submitter adds to a revision, kept in the database so every host serves them.

Only PDF, DOCX, PPTX, XLSX, PNG and JPEG are accepted, and the type is decided from the bytes, never from
the name or the browser's content type: a PDF starts with ``%PDF-``, a PNG and a JPEG with their
signatures, and an Office file is a ZIP whose ``[Content_Types].xml`` declares the main part of a Word,
PowerPoint or Excel document (macro-enabled variants are refused) and which holds that ``word/``,
``ppt/`` or ``xl/`` folder. HTML, SVG and everything else are refused. An Office file's unpacked size is
bounded, and so is its compression ratio, so a small upload cannot unpack into gigabytes (a zip bomb);
every entry is inflated once here, which also proves the sizes its headers declare.

Content is stored once per sha256 (``AttachmentBlob``); each ``Attachment`` row gives it a random ``key``
for its address and keeps the uploader's file name, cleaned of path components and control characters,
for the download. Who may fetch a file is the question who may see its revision
(``permissions.can_view_revision``); anyone else gets the same 404 as for a missing file.
"""
from __future__ import annotations

import hashlib
import io
import re
import secrets
import unicodedata
import zipfile
import zlib
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kb import permissions
from kb.errors import Conflict, NotFound, TooLarge, ValidationError
from kb.extensions import db
from kb.models import Attachment, AttachmentBlob, Revision, RevisionStatus, User
from kb.services.cases import find_case
from kb.workflow import EDITABLE_STATES, STATUS_IN_SENTENCE

FIELD = "file"  # the form field (and API field) the errors name

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpeg": "image/jpeg",
}
EXTENSIONS = {"pdf": ("pdf",), "docx": ("docx",), "pptx": ("pptx",), "xlsx": ("xlsx",), "png": ("png",),
              "jpeg": ("jpg", "jpeg")}
KIND_NAMES = _l("PDF, DOCX, PPTX, XLSX, PNG or JPEG")  # inside messages: "not a %(kinds)s file"

# The main part an Office package declares, and the folder that holds it.
_OFFICE_MAIN_PARTS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "word/"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", "ppt/"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "xl/"),
}
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # all entries of one Office file together
MAX_COMPRESSION_RATIO = 100  # real documents stay far below; zip bombs are in the thousands
_RATIO_APPLIES_ABOVE = 1024 * 1024  # small, very compressible parts (repetitive XML) are harmless
MAX_ZIP_ENTRIES = 10_000
MAX_ATTACHMENTS_PER_REVISION = 20
MAX_FILENAME = 200
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

_CONTENT_TYPE_VALUE = re.compile(rb'ContentType\s*=\s*"([^"]{1,200})"')
_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')
_KEEP_FORMAT_CHARACTERS = {"\u200c", "\u200d"}  # ZWNJ and ZWJ shape Devanagari; other format characters go


# ---------------------------------------------------------------------------------------------------
# Reading


def get_attachment(user: User | None, key: str) -> Attachment:
    """The attachment, if the user may see the revision it belongs to; NotFound otherwise."""
    attachment = db.session.scalar(select(Attachment).where(Attachment.key == key)) if key else None
    if attachment is None or not permissions.can_view_revision(user, attachment.revision):
        raise NotFound(_l("No such file."))
    return attachment


def content_of(attachment: Attachment) -> bytes:
    return attachment.blob.data


# ---------------------------------------------------------------------------------------------------
# Writing


def add_attachment(user: User | None, public_id: str, *, filename: str, content: bytes | BinaryIO,
                   max_bytes: int | None = None) -> Attachment:
    """Attach a file to the working revision of a draft (or a submission sent back for changes).

    ``content`` is the bytes or a binary stream; at most ``max_bytes`` + 1 bytes of a stream are read
    (default: the ``KB_MAX_UPLOAD_BYTES`` setting). Nothing is written unless every check passes: a file
    over the limit raises TooLarge (413), a type that is not allowed ValidationError naming ``file``.
    """
    case = find_case(public_id)
    permissions.authorize(user, "attach", case)
    revision = case.working_revision
    if revision.status not in EDITABLE_STATES:
        raise Conflict(_l("Cannot attach files: the submission is %(status)s; only a draft or a submission with "
                          "changes requested can change.", status=STATUS_IN_SENTENCE[RevisionStatus(revision.status)]))
    limit = max_bytes if max_bytes is not None else upload_limit()
    data = _read_at_most(content, limit + 1)
    if len(data) > limit:
        raise TooLarge(_l("The file is larger than the limit of %(size)s.", size=human_size(limit)),
                       {FIELD: _l("larger than %(size)s", size=human_size(limit))})
    if not data:
        raise ValidationError(_l("The file is empty."), {FIELD: _l("empty (choose a file to upload)")})
    kind = sniff(data)
    count = db.session.scalar(select(func.count()).select_from(Attachment)
                              .where(Attachment.revision_id == revision.id)) or 0
    if count >= MAX_ATTACHMENTS_PER_REVISION:
        raise ValidationError(_l("Too many files."), {FIELD: _l("at most %(limit)s files per version",
                                                                   limit=MAX_ATTACHMENTS_PER_REVISION)})
    attachment = Attachment(key=new_key(), revision=revision, blob=_blob_for(data),
                            filename=clean_filename(filename, kind), content_type=CONTENT_TYPES[kind], kind=kind,
                            size=len(data), uploaded_by=user)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def remove_attachment(user: User | None, key: str) -> Attachment:
    """Remove a file from the working revision (own submitter, editable states). Its content goes too
    unless another revision still shares it. Returns the removed row (detached from its revision)."""
    attachment = db.session.scalar(select(Attachment).where(Attachment.key == key)) if key else None
    if attachment is None:
        raise NotFound(_l("No such file."))
    case = attachment.revision.case
    permissions.authorize(user, "attach", case)  # 404 to those who may not see the submission
    revision = attachment.revision
    if revision is not case.working_revision or revision.status not in EDITABLE_STATES:
        raise Conflict(_l("Only files of a draft (or a submission with changes requested) can be removed."))
    blob = attachment.blob
    revision.attachments.remove(attachment)
    db.session.delete(attachment)
    db.session.flush()
    still_used = db.session.scalar(select(func.count()).select_from(Attachment).where(Attachment.blob_id == blob.id))
    if not still_used:
        db.session.delete(blob)
        db.session.flush()
    return attachment


def copy_attachment(attachment: Attachment, revision: Revision) -> Attachment:
    """The same file on another revision (a new version of the case), sharing the stored content."""
    copy = Attachment(key=new_key(), revision=revision, blob=attachment.blob, filename=attachment.filename,
                      content_type=attachment.content_type, kind=attachment.kind, size=attachment.size,
                      uploaded_by_id=attachment.uploaded_by_id)
    db.session.add(copy)
    return copy


# ---------------------------------------------------------------------------------------------------
# Checking a file


def sniff(data: bytes) -> str:
    """The kind of file from its first bytes (and, for Office files, its package); ValidationError otherwise."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    raise ValidationError(_l("This type of file is not accepted."),
                          {FIELD: _l("not a %(kinds)s file (HTML, SVG and other types are refused)", kinds=KIND_NAMES)})


def _office_kind(data: bytes) -> str:
    unreadable = ValidationError(_l("This file is not a readable Office document."),
                                 {FIELD: _l("a ZIP file that is not a %(kinds)s document", kinds=KIND_NAMES)})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            _check_unpacked_size(entries, len(data))
            names = {entry.filename for entry in entries}
            if "[Content_Types].xml" not in names:
                raise unreadable
            with archive.open("[Content_Types].xml") as handle:
                declared = set(_CONTENT_TYPE_VALUE.findall(handle.read(1024 * 1024)))
            kinds = [kind for kind, (content_type, folder) in _OFFICE_MAIN_PARTS.items()
                     if content_type.encode() in declared and any(name.startswith(folder) for name in names)]
            if len(kinds) != 1:
                raise unreadable
            _inflate_everything(archive, entries)
            return kinds[0]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, EOFError, OSError,
            zlib.error, ValueError):
        # Encrypted, unsupported compression, truncated or otherwise broken archives.
        raise unreadable from None


def _check_unpacked_size(entries: list[zipfile.ZipInfo], packed: int) -> None:
    bomb = ValidationError(_l("This file unpacks to far more than it holds (a zip bomb?)."),
                           {FIELD: _l("unpacks to more than %(size)s or more than %(ratio)s times its size",
                                      size=human_size(MAX_UNPACKED_BYTES), ratio=MAX_COMPRESSION_RATIO)})
    if len(entries) > MAX_ZIP_ENTRIES:
        raise bomb
    total = sum(entry.file_size for entry in entries)
    if total > MAX_UNPACKED_BYTES or total > max(packed, 1) * MAX_COMPRESSION_RATIO:
        raise bomb
    for entry in entries:
        if entry.file_size > _RATIO_APPLIES_ABOVE and entry.file_size > max(entry.compress_size, 1) * MAX_COMPRESSION_RATIO:
            raise bomb


def _inflate_everything(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """Read every entry once: zipfile stops at the declared size and checks the CRC, so a header that
    lies about its size is caught here rather than by whoever opens the file later."""
    for entry in entries:
        with archive.open(entry) as handle:
            while handle.read(1024 * 1024):
                pass


def _read_at_most(content: bytes | BinaryIO, limit: int) -> bytes:
    if isinstance(content, (bytes, bytearray, memoryview)):
        return bytes(content[:limit])
    chunks, remaining = [], limit
    while remaining > 0:
        chunk = content.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def clean_filename(name: str | None, kind: str) -> str:
    """A file name safe to show and to offer for download: the last path component only (``/`` and
    ``\\`` both count), without control or invisible formatting characters (right-to-left overrides),
    leading dots or characters Windows refuses, and ending in an extension that matches the content."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch in _KEEP_FORMAT_CHARACTERS or unicodedata.category(ch)[0] != "C")
    name = _WINDOWS_RESERVED.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if extension.lower() not in EXTENSIONS[kind]:
        stem, extension = name, EXTENSIONS[kind][0]
    stem = stem.strip(" .") or "attachment"
    return f"{stem[:MAX_FILENAME - len(extension) - 1]}.{extension}"


def ascii_filename(name: str) -> str:
    """The ASCII fallback for old clients (``filename=``); the full name travels in ``filename*``."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""

    def simple(text: str) -> str:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
        return re.sub(r"\s+", " ", re.sub(r"[^A-Za-z0-9 .()_-]+", "_", text)).strip("._ ")

    ascii_stem = simple(stem)
    if not re.search(r"[A-Za-z0-9]", ascii_stem):
        ascii_stem = "attachment"
    ascii_extension = simple(extension)
    return f"{ascii_stem}.{ascii_extension}" if ascii_extension else ascii_stem


def new_key() -> str:
    return secrets.token_urlsafe(16)


def upload_limit() -> int:
    return int(current_app.config.get("KB_MAX_UPLOAD_BYTES") or DEFAULT_MAX_BYTES)


def human_size(size: int):
    """A file size as people read it: "512 bytes", "1.5 MB" (a lazy string for bytes, whose word is translated)."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return _l("%(size)s bytes", size=size) if unit == "bytes" else f"{size:.1f} {unit}".replace(".0 ", " ")
        size /= 1024
    return str(size)  # pragma: no cover


def _blob_for(data: bytes) -> AttachmentBlob:
    digest = hashlib.sha256(data).hexdigest()
    blob = db.session.scalar(select(AttachmentBlob).where(AttachmentBlob.sha256 == digest))
    if blob is not None:
        return blob
    try:
        with db.session.begin_nested():
            blob = AttachmentBlob(sha256=digest, size=len(data), data=data)
            db.session.add(blob)
            db.session.flush()
    except IntegrityError:  # the same content was stored by another upload at the same moment
        blob = db.session.scalar(select(AttachmentBlob).where(AttachmentBlob.sha256 == digest))
    return blob
