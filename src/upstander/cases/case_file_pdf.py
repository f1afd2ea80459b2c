"""The case file drawn as a PDF by WeasyPrint, from the same timeline template as the case page."""

from __future__ import annotations

from jinja2 import Environment
from weasyprint import HTML

from upstander.cases.case_file import CaseFileContents


def render(templates: Environment, contents: CaseFileContents) -> tuple[bytes, int]:
    """The PDF's bytes and its number of pages."""
    html = templates.get_template("case_file.html").render(file=contents)
    document = HTML(string=html).render()
    pdf = document.write_pdf()
    if pdf is None:  # only without a target does write_pdf return the bytes; it always has none here
        raise RuntimeError("WeasyPrint gave no PDF")
    return pdf, len(document.pages)
