"""What a file is, decided from its bytes (libmagic), and the headers it is served with.

The type a browser or API client declares is never used: it is whatever the uploader says. A file
is served with a type from a short list of kinds that a browser shows inertly, and everything
else (HTML, SVG, XHTML, XML, scripts, anything unknown) as application/octet-stream, always as a
download. Stored attachments from before this rule are served by the same decision, so an old row
whose stored type is hostile or broken still downloads.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

import magic

OCTET_STREAM = "application/octet-stream"
OOXML = "application/vnd.openxmlformats-officedocument."


@dataclass(frozen=True)
class DocumentKind:
    """A kind of document the metadata cleaner (mat2) cleans, and the file extension it needs:
    mat2 picks its parser from the file name, so the name is made from the sniffed kind, never
    from the uploader's name."""

    media_type: str
    extension: str
    label: str


# OpenDocument and PowerPoint files are not here: mat2 keeps the author of every comment in an
# OpenDocument file's content.xml, and no PowerPoint file has been tested; both are refused.
DOCUMENT_KINDS: dict[str, DocumentKind] = {
    kind.media_type: kind
    for kind in (
        DocumentKind("application/pdf", ".pdf", "PDF"),
        DocumentKind(OOXML + "wordprocessingml.document", ".docx", "Word (.docx)"),
        DocumentKind(OOXML + "spreadsheetml.sheet", ".xlsx", "Excel (.xlsx)"),
    )
}
# Text in which every byte is visible when opened: nothing hidden to clean.
PLAIN_TEXT_KINDS = frozenset({"text/plain", "text/csv"})
IMAGE_KINDS = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff"})
# Kinds served with their own type: none of them runs script or renders markup in a browser.
SERVED_AS_THEMSELVES = IMAGE_KINDS | frozenset(DOCUMENT_KINDS) | PLAIN_TEXT_KINDS


def sniff(data: bytes) -> str:
    """The media type libmagic recognises in the bytes, lower case, without parameters.

    libmagic needs a few bytes to call something text; a short note of printable UTF-8 is text too.
    """
    if not data:
        return OCTET_STREAM
    found = magic.from_buffer(data, mime=True).split(";", 1)[0].strip().lower() or OCTET_STREAM
    if found == OCTET_STREAM and _is_printable_utf8(data):
        return "text/plain"
    return found


def _is_printable_utf8(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\t\r\n" for ch in text)


def served_content_type(data: bytes) -> str:
    """The Content-Type a stored file is served with: sniffed, and only from the safe list."""
    kind = sniff(data)
    if kind not in SERVED_AS_THEMSELVES:
        return OCTET_STREAM
    if kind in PLAIN_TEXT_KINDS:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return OCTET_STREAM
        return f"{kind}; charset=utf-8"
    return kind


def content_disposition(filename: str) -> str:
    """An attachment disposition whatever the name holds (RFC 6266 with RFC 8187's filename*).

    The quoted filename is a plain-ASCII fallback for old clients; filename* carries the name as
    UTF-8, percent-encoded, so line breaks, quotes and non-Latin-1 letters cannot break the header.
    """
    printable = "".join(ch for ch in filename if ch.isprintable())
    ascii_name = unicodedata.normalize("NFKD", printable).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(ch if ch not in '"\\%' else "_" for ch in ascii_name).strip() or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(printable or 'file', safe='')}"
