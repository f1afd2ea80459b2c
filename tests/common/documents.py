"""Documents whose hidden parts name their author, made here so each test says what it carries."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pikepdf

AUTHOR = "Alexandra Whistle"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CORE_TYPE = "application/vnd.openxmlformats-package.core-properties+xml"
APP_TYPE = "application/vnd.openxmlformats-officedocument.extended-properties+xml"
CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"


def pdf_with_author(name: str = AUTHOR) -> bytes:
    """One page of text, the name in the document information, the XMP and a comment's author."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(
        Font=pikepdf.Dictionary(
            F1=pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
            )
        )
    )
    page.Contents = pdf.make_stream(b"BT /F1 24 Tf 72 720 Td (Statement of events) Tj ET")
    page.Annots = pdf.make_indirect(
        pikepdf.Array(
            [
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Annot,
                    Subtype=pikepdf.Name.Text,
                    Rect=[100, 100, 120, 120],
                    T=pikepdf.String(name),
                    Contents=pikepdf.String("checked"),
                )
            ]
        )
    )
    pdf.docinfo["/Author"] = pikepdf.String(name)
    with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
        xmp["dc:creator"] = [name]
        xmp["dc:title"] = "Statement"
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _package(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for part, text in parts.items():
            package.writestr(part, text)
    return out.getvalue()


def _content_types(overrides: dict[str, str]) -> str:
    entries = "".join(
        f'<Override PartName="/{part}" ContentType="{kind}"/>' for part, kind in overrides.items()
    )
    return (
        f'{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{entries}</Types>'
    )


def _relationships(targets: dict[str, str]) -> str:
    entries = "".join(
        f'<Relationship Id="rId{i}" Type="{kind}" Target="{target}"/>'
        for i, (target, kind) in enumerate(targets.items(), start=1)
    )
    return f'{XML}<Relationships xmlns="{RELS}">{entries}</Relationships>'


def _office_properties(name: str) -> dict[str, str]:
    return {
        "docProps/core.xml": f'{XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:creator>{name}</dc:creator><cp:lastModifiedBy>{name}</cp:lastModifiedBy>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2025-05-17T23:41:00Z</dcterms:created></cp:coreProperties>',
        "docProps/app.xml": f'{XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        f"<Application>Microsoft Office Word</Application><Company>{name} Associates</Company></Properties>",
        "docProps/custom.xml": f'{XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Owner">'
        f"<vt:lpwstr>{name}</vt:lpwstr></property></Properties>",
    }


def _office_package(
    main_part: str, main_type: str, parts: dict[str, str], extra_types: dict[str, str]
) -> bytes:
    return _package(
        {
            "[Content_Types].xml": _content_types(
                {
                    main_part: main_type,
                    **extra_types,
                    "docProps/core.xml": CORE_TYPE,
                    "docProps/app.xml": APP_TYPE,
                    "docProps/custom.xml": CUSTOM_TYPE,
                }
            ),
            "_rels/.rels": _relationships(
                {
                    main_part: f"{OFFICE_RELS}/officeDocument",
                    "docProps/core.xml": f"{RELS}/metadata/core-properties",
                    "docProps/app.xml": f"{OFFICE_RELS}/extended-properties",
                    "docProps/custom.xml": f"{OFFICE_RELS}/custom-properties",
                }
            ),
            **parts,
        }
    )


def docx_with_author(name: str = AUTHOR, *, tracked_insertion: bool = False) -> bytes:
    """A Word document naming its author in its properties, custom properties and a comment."""
    inserted = (
        f'<w:ins w:id="1" w:author="{name}" w:date="2025-05-17T23:41:00Z"><w:r><w:t> Added later.</w:t></w:r></w:ins>'
        if tracked_insertion
        else ""
    )
    body = (
        f'{XML}<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>Statement of events.</w:t></w:r>{inserted}'
        '<w:commentRangeStart w:id="0"/><w:r><w:t> He said it twice.</w:t></w:r><w:commentRangeEnd w:id="0"/>'
        '<w:r><w:commentReference w:id="0"/></w:r></w:p></w:body></w:document>'
    )
    comments = (
        f'{XML}<w:comments xmlns:w="{W}"><w:comment w:id="0" w:author="{name}" w:initials="AW">'
        "<w:p><w:r><w:t>my own note</w:t></w:r></w:p></w:comment></w:comments>"
    )
    word = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    return _office_package(
        "word/document.xml",
        f"{word}.document.main+xml",
        {
            "word/_rels/document.xml.rels": _relationships({"comments.xml": f"{OFFICE_RELS}/comments"}),
            "word/document.xml": body,
            "word/comments.xml": comments,
            **_office_properties(name),
        },
        {"word/comments.xml": f"{word}.comments+xml"},
    )


def xlsx_with_author(name: str = AUTHOR) -> bytes:
    """An Excel workbook of one sheet, naming its author in its properties."""
    sheet = (
        f'{XML}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Shift log</t></is></c></row></sheetData></worksheet>'
    )
    workbook = (
        f'{XML}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{OFFICE_RELS}"><sheets><sheet name="Log" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    sheet_ml = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return _office_package(
        "xl/workbook.xml",
        f"{sheet_ml}.sheet.main+xml",
        {
            "xl/_rels/workbook.xml.rels": _relationships(
                {"worksheets/sheet1.xml": f"{OFFICE_RELS}/worksheet"}
            ),
            "xl/workbook.xml": workbook,
            "xl/worksheets/sheet1.xml": sheet,
            **_office_properties(name),
        },
        {"xl/worksheets/sheet1.xml": f"{sheet_ml}.worksheet+xml"},
    )


def odt_with_author(name: str = AUTHOR) -> bytes:
    """An OpenDocument text naming its author in meta.xml and in a comment."""
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    namespaces = (
        f'xmlns:office="{office}" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        # The first part, stored uncompressed, names the kind (ODF 1.2 §3.3).
        package.writestr(
            "mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED
        )
        parts: dict[str, Any] = {
            "META-INF/manifest.xml": f'{XML}<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
            "content.xml": f"{XML}<office:document-content {namespaces}><office:body><office:text>"
            f"<text:p>Statement of events.<office:annotation><dc:creator>{name}</dc:creator>"
            "<text:p>my own note</text:p></office:annotation></text:p></office:text></office:body>"
            "</office:document-content>",
            "meta.xml": f"{XML}<office:document-meta {namespaces}><office:meta>"
            f"<meta:initial-creator>{name}</meta:initial-creator><dc:creator>{name}</dc:creator>"
            "</office:meta></office:document-meta>",
        }
        for part, text in parts.items():
            package.writestr(part, text, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def package_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}
