"""Cleaning uploaded files before they are sealed: names made safe, hidden details removed.

Photos carry EXIF (GPS position, camera serial, time) that can identify a reporter; images are
re-encoded from their pixels alone. Documents (PDF, Word, Excel, PowerPoint, OpenDocument) are
cleaned by mat2 (`document_cleaning`). Plain text has nothing hidden and is kept. Any other kind
is refused, not kept as sent: an audio file, a video or an old Word file can carry a name or a
place nobody sees, and a reporter who trusted "details are removed" would be unmasked by it.
What a file is comes from its bytes, never from the name or the type the uploader declared.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

from PIL import Image, ImageOps, UnidentifiedImageError

from upstander.config import Settings
from upstander.errors import InvalidInput
from upstander.i18n import lazy_gettext
from upstander.reports import file_kinds
from upstander.reports.cleaning_gate import CleaningGate
from upstander.reports.document_cleaning import DocumentCleaner, default_command
from upstander.reports.rules import FileInput

# Pillow's format name → how the cleaned copy is saved and labelled. MPO is the multi-picture JPEG
# many phone cameras write; it is saved as a plain JPEG of its first picture.
IMAGE_FORMATS = {
    "JPEG": ("JPEG", "image/jpeg"),
    "MPO": ("JPEG", "image/jpeg"),
    "PNG": ("PNG", "image/png"),
    "GIF": ("GIF", "image/gif"),
    "WEBP": ("WEBP", "image/webp"),
    "TIFF": ("TIFF", "image/tiff"),
}
# Phones' full-resolution modes are 48 MP (8064×6048) and 50 MP (8160×6144); their usual pictures are
# 12 to 24 MP. 52 MP takes all of those and refuses what only an attack or a 108/200 MP mode sends.
# Pillow keeps a decoded pixel in up to 4 bytes and re-encoding holds two copies, so one decode
# needs at most about 52 M × 4 × 2 ≈ 420 MB; the cleaning gate lets two run at once.
MAX_IMAGE_PIXELS = 52_000_000
MAX_FILENAME = 120
# Pillow would only warn below twice its own limit, and warn from inside Image.open; the size is
# checked here, from the header, before any pixel is decoded.
Image.MAX_IMAGE_PIXELS = None

UNREADABLE_IMAGE = lazy_gettext(
    "The image {name!r} could not be read; it may be damaged. It was not stored, so that no hidden "
    "details in it are kept. Please send a copy that opens, or a screenshot of it."
)
IMAGE_TOO_LARGE = lazy_gettext(
    "The image {name!r} is {width}×{height} pixels, more than the {limit} million this service "
    "accepts. It was not stored. Please send a smaller copy (a phone's usual photo setting, or a "
    "screenshot, is fine)."
)
CANNOT_BE_CLEANED = lazy_gettext(
    "The file {name!r} is a kind that cannot be cleaned of hidden details (such as the name of "
    "whoever made it, or where), so it was not stored. Please save it as a PDF, take a screenshot "
    "or photo of it, or copy its words into your message."
)


def safe_filename(name: str) -> str:
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"/\\|?*').strip(" .")
    if not base:
        base = "file"
    if len(base) > MAX_FILENAME:
        stem, dot, suffix = base.rpartition(".")
        base = (
            (stem[: MAX_FILENAME - len(suffix) - 1] + dot + suffix)
            if dot and len(suffix) < 10
            else base[:MAX_FILENAME]
        )
    return base


def _identify(data: bytes) -> str | None:
    """The image format Pillow recognises in the bytes, without decoding the pixels."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            return probe.format
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None


def check_image_size(data: bytes, name: str = "image") -> None:
    """Refuse an image whose header declares more pixels than MAX_IMAGE_PIXELS, before decoding.

    Image.open reads only the header; the pixels are decoded by load(), which is never reached.
    """
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise InvalidInput(
            UNREADABLE_IMAGE.format(name=name), fields={"files": "unreadable image"}
        ) from error
    if width * height > MAX_IMAGE_PIXELS:
        raise InvalidInput(
            IMAGE_TOO_LARGE.format(
                name=name, width=width, height=height, limit=MAX_IMAGE_PIXELS // 1_000_000
            ),
            fields={"files": "image too large"},
        )


def strip_image_metadata(data: bytes, name: str = "image") -> tuple[bytes, str] | None:
    """Re-encode an image from its pixels alone; None when the bytes are not an image we clean.

    An image we recognise but cannot decode is refused rather than kept as sent: keeping it
    would keep whatever location and camera details it carries. The caller holds a cleaning slot.
    """
    image_format = _identify(data)
    if image_format not in IMAGE_FORMATS:
        return None
    check_image_size(data, name)
    save_as, content_type = IMAGE_FORMATS[image_format]
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            # Apply the orientation tag before dropping it, so the picture still looks as taken.
            image = ImageOps.exif_transpose(opened) if save_as == "JPEG" else opened
            if image is not opened:
                opened.close()  # the turned copy is all that is needed: free the first one now
            # A new image holds the pixels and nothing else (no info, EXIF, ICC or text chunks);
            # pasting copies them without the intermediate byte string tobytes() would make.
            clean = Image.new(image.mode, image.size)
            clean.paste(image, (0, 0))
            palette = image.getpalette() if image.mode == "P" else None
            image.close()
        if palette:
            clean.putpalette(palette)
        if save_as == "JPEG" and clean.mode not in ("RGB", "L", "CMYK"):
            clean = clean.convert("RGB")
        out = io.BytesIO()
        clean.save(out, format=save_as)
        return out.getvalue(), content_type
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise InvalidInput(
            UNREADABLE_IMAGE.format(name=name), fields={"files": "unreadable image"}
        ) from error


class FileCleaner:
    """Cleans every uploaded file before it is sealed, at most a few at a time per process."""

    def __init__(self, gate: CleaningGate, documents: DocumentCleaner) -> None:
        self.gate = gate
        self.documents = documents

    @classmethod
    def from_settings(cls, settings: Settings) -> FileCleaner:
        return cls(
            CleaningGate(settings.file_cleaning_slots, settings.file_cleaning_wait_seconds),
            DocumentCleaner(
                settings.document_cleaner_command or default_command(),
                settings.document_cleaning_timeout_seconds,
                settings.document_cleaning_memory_mib,
            ),
        )

    def clean(self, file: FileInput) -> FileInput:
        """The file as it will be stored: a safe name, a type from its bytes, nothing hidden.

        Images are re-encoded and documents rebuilt by mat2; plain text is kept; anything else is
        refused with a message saying what to send instead.
        """
        name = safe_filename(file.filename)
        if _identify(file.data) in IMAGE_FORMATS:
            check_image_size(file.data, name)  # before waiting for a slot: a refusal costs nothing
            with self.gate.slot():
                stripped = strip_image_metadata(file.data, name)
            if stripped is not None:
                data, content_type = stripped
                return FileInput(filename=name, content_type=content_type, data=data)
        kind = file_kinds.sniff(file.data)
        if kind in file_kinds.DOCUMENT_KINDS:
            with self.gate.slot():
                data = self.documents.clean(file.data, file_kinds.DOCUMENT_KINDS[kind], name)
            return FileInput(filename=name, content_type=kind, data=data)
        if kind in file_kinds.PLAIN_TEXT_KINDS:
            return FileInput(filename=name, content_type=kind, data=file.data)
        raise InvalidInput(CANNOT_BE_CLEANED.format(name=name), fields={"files": "cannot be cleaned"})
