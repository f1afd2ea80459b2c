"""Cleaning uploaded files before they are sealed: names made safe, image metadata removed.

Photos carry EXIF (GPS position, camera serial, time) that can identify a reporter; images are
re-encoded from their pixels alone. Other files are kept as sent, and the page says so.
"""

from __future__ import annotations

import io
import mimetypes
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

from PIL import Image, ImageOps, UnidentifiedImageError

from upstander.errors import InvalidInput
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
MAX_IMAGE_PIXELS = 60_000_000
MAX_FILENAME = 120
# Pillow refuses outright only at twice this; the size is checked here before decoding instead.
Image.MAX_IMAGE_PIXELS = None

UNREADABLE_IMAGE = (
    "The image {name!r} could not be read; it may be damaged. It was not stored, so that no hidden "
    "details in it are kept. Please send a copy that opens, or a screenshot of it."
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


def strip_image_metadata(data: bytes, name: str = "image") -> tuple[bytes, str] | None:
    """Re-encode an image from its pixels alone; None when the bytes are not an image we clean.

    An image we recognise but cannot decode is refused rather than kept as sent: keeping it
    would keep whatever location and camera details it carries.
    """
    image_format = _identify(data)
    if image_format not in IMAGE_FORMATS:
        return None
    save_as, content_type = IMAGE_FORMATS[image_format]
    try:
        with Image.open(io.BytesIO(data)) as opened:
            width, height = opened.size
            if width * height > MAX_IMAGE_PIXELS:
                raise InvalidInput(
                    f"The image {name!r} is too large to process ({width}×{height} pixels).",
                    fields={"files": "image too large"},
                )
            opened.load()
            # Apply the orientation tag before dropping it, so the picture still looks as taken.
            image = ImageOps.exif_transpose(opened) if save_as == "JPEG" else opened
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
            palette = image.getpalette() if image.mode == "P" else None
            if palette:
                clean.putpalette(palette)
            if save_as == "JPEG" and clean.mode not in ("RGB", "L", "CMYK"):
                clean = clean.convert("RGB")
            out = io.BytesIO()
            clean.save(out, format=save_as)
            return out.getvalue(), content_type
    except (OSError, ValueError, SyntaxError) as error:
        raise InvalidInput(
            UNREADABLE_IMAGE.format(name=name), fields={"files": "unreadable image"}
        ) from error


def clean_file(file: FileInput) -> FileInput:
    name = safe_filename(file.filename)
    stripped = strip_image_metadata(file.data, name)
    if stripped is not None:
        data, content_type = stripped
        return FileInput(filename=name, content_type=content_type, data=data)
    declared = file.content_type if "/" in file.content_type else None
    content_type = declared or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileInput(filename=name, content_type=content_type, data=file.data)
