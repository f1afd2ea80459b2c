"""Cleaning uploads: safe file names, image metadata (GPS, camera, time) removed by re-encoding, the
kind decided from the bytes, and what cannot be cleaned refused. Documents are cleaned by mat2 in a
child process: see tests/functional/test_upload_cleaning.py."""

from __future__ import annotations

import functools
import io

import pytest
from PIL import Image, PngImagePlugin
from PIL.ExifTags import GPS, IFD, Base

from upstander.errors import InvalidInput
from upstander.reports.attachments import (
    MAX_FILENAME,
    MAX_IMAGE_PIXELS,
    FileCleaner,
    safe_filename,
    strip_image_metadata,
)
from upstander.reports.cleaning_gate import CleaningGate
from upstander.reports.document_cleaning import DocumentCleaner
from upstander.reports.rules import FileInput

# Images and text only: a document would need mat2, which these I/O-free tests never start.
CLEANER = FileCleaner(CleaningGate(slots=2, wait_seconds=0), DocumentCleaner(None, 1, 256))


def clean_file(file: FileInput) -> FileInput:
    return CLEANER.clean(file)


# EXIF orientation 6: the sensor's picture must be turned 90° clockwise to look as taken.
ROTATED_90 = 6


def spy_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[Base.Make] = "SpyCam"
    exif[Base.Model] = "Model X9"
    exif[Base.DateTime] = "2025:05:17 23:41:07"
    if orientation is not None:
        exif[Base.Orientation] = orientation
    exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] = "2025:05:17 23:41:07"
    gps = exif.get_ifd(IFD.GPSInfo)
    gps[GPS.GPSLatitudeRef] = "N"
    gps[GPS.GPSLatitude] = (51.0, 30.0, 26.0)
    gps[GPS.GPSLongitudeRef] = "W"
    gps[GPS.GPSLongitude] = (0.0, 7.0, 39.0)
    return exif


def picture(size: tuple[int, int] = (64, 48)) -> Image.Image:
    image = Image.new("RGB", size, (30, 90, 160))
    image.paste((250, 200, 0), (0, 0, size[0] // 4, size[1] // 4))
    return image


def jpeg_with_exif(size: tuple[int, int] = (64, 48), orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    picture(size).save(out, format="JPEG", exif=spy_exif(orientation))
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_the_sample_jpeg_really_carries_gps_camera_and_time() -> None:
    data = jpeg_with_exif()
    exif = opened(data).getexif()
    assert b"SpyCam" in data
    assert exif[Base.Make] == "SpyCam"
    assert exif.get_ifd(IFD.GPSInfo)[GPS.GPSLatitudeRef] == "N"
    assert exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] == "2025:05:17 23:41:07"


def test_clean_file_removes_all_exif_from_a_jpeg() -> None:
    cleaned = clean_file(FileInput("IMG_0042.jpg", "image/jpeg", jpeg_with_exif()))
    image = opened(cleaned.data)
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info
    assert b"SpyCam" not in cleaned.data
    assert b"Exif" not in cleaned.data


def test_clean_file_keeps_a_jpeg_its_size_type_and_name() -> None:
    cleaned = clean_file(FileInput("IMG_0042.jpg", "application/octet-stream", jpeg_with_exif((64, 48))))
    assert cleaned.content_type == "image/jpeg"
    assert cleaned.filename == "IMG_0042.jpg"
    image = opened(cleaned.data)
    assert image.format == "JPEG"
    assert image.size == (64, 48)


def test_clean_file_turns_an_exif_rotated_jpeg_upright() -> None:
    cleaned = clean_file(FileInput("sideways.jpg", "image/jpeg", jpeg_with_exif((64, 48), ROTATED_90)))
    image = opened(cleaned.data)
    assert image.size == (48, 64)
    assert dict(image.getexif()) == {}
    # The yellow corner, top-left on the sensor, is top-right once turned clockwise.
    assert image.convert("RGB").getpixel((44, 3)) == pytest.approx((250, 200, 0), abs=40)
    assert image.convert("RGB").getpixel((3, 3)) == pytest.approx((30, 90, 160), abs=40)


def test_clean_file_removes_text_chunks_from_a_png() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Sgt. Reporter")
    info.add_text("Comment", "taken outside the station")
    out = io.BytesIO()
    picture().save(out, format="PNG", pnginfo=info)
    assert b"Sgt. Reporter" in out.getvalue()

    cleaned = clean_file(FileInput("screen.png", "image/png", out.getvalue()))
    image = opened(cleaned.data)
    assert cleaned.content_type == "image/png"
    assert image.size == (64, 48)
    assert b"Sgt. Reporter" not in cleaned.data
    assert b"tEXt" not in cleaned.data
    assert "Author" not in image.info


def test_clean_file_keeps_the_pixels_of_a_lossless_image() -> None:
    out = io.BytesIO()
    picture().save(out, format="PNG")
    cleaned = clean_file(FileInput("screen.png", "image/png", out.getvalue()))
    assert opened(cleaned.data).convert("RGB").tobytes() == picture().tobytes()


def test_clean_file_keeps_the_palette_of_a_gif() -> None:
    out = io.BytesIO()
    picture().convert("P", palette=Image.Palette.ADAPTIVE, colors=4).save(
        out, format="GIF", comment=b"SpyCam"
    )
    cleaned = clean_file(FileInput("a.gif", "image/gif", out.getvalue()))
    assert cleaned.content_type == "image/gif"
    assert b"SpyCam" not in cleaned.data
    before, after = opened(out.getvalue()).convert("RGB"), opened(cleaned.data).convert("RGB")
    assert after.tobytes() == before.tobytes()


def test_a_text_file_is_kept_as_text_whatever_type_was_declared() -> None:
    cleaned = clean_file(FileInput("notes.txt", "image/png", b"plain words"))
    assert (cleaned.content_type, cleaned.data) == ("text/plain", b"plain words")


def test_a_one_letter_note_is_text_too() -> None:
    assert clean_file(FileInput("a.txt", "text/plain", b"x")).content_type == "text/plain"


def test_a_jpeg_declared_as_text_is_cleaned_as_the_jpeg_it_is() -> None:
    cleaned = clean_file(FileInput("notes.txt", "text/plain", jpeg_with_exif()))
    assert cleaned.content_type == "image/jpeg"
    assert b"SpyCam" not in cleaned.data


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("blob", b"\x00\x01\x02"),
        ("page.html", b"<html><body><script>alert(1)</script></body></html>"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("letter.rtf", b"{\\rtf1\\ansi{\\info{\\author Alexandra Whistle}}Statement}"),
        ("mail.eml", b"From: alexandra.whistle@example.org\nTo: psd@example.org\nSubject: x\n\nhello\n"),
        ("notes.txt", b"PK\x03\x04" + b"\x00" * 40),
    ],
    ids=["unknown-binary", "html", "svg", "rtf-with-author", "e-mail", "zip-named-txt"],
)
def test_a_kind_that_cannot_be_cleaned_is_refused_not_kept(name: str, data: bytes) -> None:
    """Kept as sent, any of these could carry a name or a place; the uploader is told what to send."""
    with pytest.raises(InvalidInput) as refused:
        clean_file(FileInput(name, "text/plain", data))
    assert refused.value.fields == {"files": "cannot be cleaned"}
    assert "cannot be cleaned of hidden details" in refused.value.detail
    assert "save it as a PDF" in refused.value.detail


def test_clean_file_makes_the_name_safe() -> None:
    assert clean_file(FileInput("../../etc/passwd", "text/plain", b"x")).filename == "passwd"


def test_strip_image_metadata_says_none_for_bytes_that_are_not_an_image() -> None:
    assert strip_image_metadata(b"%PDF-1.7 not an image") is None
    assert strip_image_metadata(b"") is None


@functools.cache
def one_bit_png(width: int, height: int) -> bytes:
    # 1-bit pixels keep the sample small; the header alone declares the size that is checked.
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(("width", "height"), [(7740, 7740), (12_000, 11_000)], ids=["60MP", "132MP"])
def test_an_image_over_the_pixel_ceiling_is_refused_from_its_header(width: int, height: int) -> None:
    assert width * height > MAX_IMAGE_PIXELS
    with pytest.raises(InvalidInput) as refused:
        clean_file(FileInput("big.png", "image/png", one_bit_png(width, height)))
    assert refused.value.fields == {"files": "image too large"}
    assert f"{width}×{height} pixels" in refused.value.detail
    assert "Please send a smaller copy" in refused.value.detail


def test_the_pixel_ceiling_takes_a_50_megapixel_phone_photo() -> None:
    # The full-resolution mode of 50 MP phone cameras: 8160×6144.
    assert MAX_IMAGE_PIXELS >= 8160 * 6144
    cleaned = clean_file(FileInput("PXL.png", "image/png", one_bit_png(8160, 6144)))
    assert opened(cleaned.data).size == (8160, 6144)


def test_an_image_too_large_is_refused_before_a_cleaning_slot_is_waited_for() -> None:
    # No slot at all: a refusal from the header must not need one.
    gate = CleaningGate(slots=1, wait_seconds=0)
    cleaner = FileCleaner(gate, DocumentCleaner(None, 1, 256))
    with gate.slot(), pytest.raises(InvalidInput):
        cleaner.clean(FileInput("big.png", "image/png", one_bit_png(7740, 7740)))


def test_clean_file_removes_exif_from_a_multi_picture_jpeg() -> None:
    out = io.BytesIO()
    picture().save(out, format="MPO", save_all=True, append_images=[picture((32, 24))], exif=spy_exif())
    assert opened(out.getvalue()).format == "MPO"
    cleaned = clean_file(FileInput("PXL_0001.jpg", "image/jpeg", out.getvalue()))
    assert b"SpyCam" not in cleaned.data


def test_a_truncated_jpeg_is_not_kept_with_its_exif() -> None:
    noisy = Image.effect_noise((64, 64), 50).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, format="JPEG", exif=spy_exif())
    truncated = out.getvalue()[: len(out.getvalue()) // 2]
    assert b"SpyCam" in truncated
    try:
        cleaned = clean_file(FileInput("IMG_0043.jpg", "image/jpeg", truncated))
    except InvalidInput:
        return
    assert b"SpyCam" not in cleaned.data


# --- safe_filename --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("/home/pc/evidence.jpg", "evidence.jpg"),
        ("C:\\x\\y.doc", "y.doc"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("report\x00.pdf", "report.pdf"),
        ("line\nbreak\r\t.txt", "linebreak.txt"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ('a<b>c:d"e|f?g*h.txt', "abcdefgh.txt"),
        ("  .hidden name.  ", "hidden name"),
        ("Statement – Zoë.pdf", "Statement – Zoë.pdf"),
    ],
    ids=[
        "posix-traversal",
        "posix-absolute",
        "windows-path",
        "windows-traversal",
        "nul",
        "control-chars",
        "right-to-left-override",
        "reserved-punctuation",
        "edge-dots-and-spaces",
        "unicode-kept",
    ],
)
def test_safe_filename_keeps_only_a_plain_base_name(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


@pytest.mark.parametrize("name", ["", "   ", "..", "/", "C:\\", "\x00\x01", "..."])
def test_safe_filename_of_nothing_usable_is_file(name: str) -> None:
    assert safe_filename(name) == "file"


def test_safe_filename_composes_decomposed_unicode() -> None:
    assert safe_filename("Zoe\u0308.txt") == "Zo\u00eb.txt"


def test_safe_filename_truncates_long_names_keeping_the_extension() -> None:
    safe = safe_filename("x" * 300 + ".pdf")
    assert len(safe) == MAX_FILENAME
    assert safe.endswith(".pdf")
    assert safe == "x" * (MAX_FILENAME - 4) + ".pdf"


def test_safe_filename_truncates_a_long_name_without_extension_plainly() -> None:
    assert safe_filename("y" * 300) == "y" * MAX_FILENAME


def test_safe_filename_does_not_treat_a_long_tail_as_an_extension() -> None:
    safe = safe_filename("a" * 200 + "." + "b" * 50)
    assert safe == ("a" * 200)[:MAX_FILENAME]


def test_safe_filename_leaves_a_name_at_the_limit_alone() -> None:
    name = "z" * (MAX_FILENAME - 4) + ".txt"
    assert safe_filename(name) == name
