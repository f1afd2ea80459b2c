"""Turning the report form (plain HTML, no JavaScript) into a Submission, and back for re-display."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import FormData, UploadFile

from upstander.errors import InvalidInput
from upstander.i18n import gettext
from upstander.reports.models import Category, ReporterRelation
from upstander.reports.rules import AboutMe, FileInput, Identity, SubjectInput, Submission

SUBJECT_ROWS = 3


@dataclass
class SubjectForm:
    name: str = ""
    staff_number: str = ""
    unit: str = ""


@dataclass
class ReportForm:
    """What the person typed, kept exactly so a refused form is shown again with nothing lost."""

    category: str = ""
    relation: str = ""
    what_happened: str = ""
    when: str = ""
    where: str = ""
    subjects: list[SubjectForm] = field(default_factory=lambda: [SubjectForm() for _ in range(SUBJECT_ROWS)])
    identity_choice: str = "anonymous"
    identity_name: str = ""
    identity_staff_number: str = ""
    identity_contact: str = ""
    channel: str = "phone"
    about_sex: str = ""
    about_ethnicity: str = ""
    about_age: str = ""


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def read_report_form(form: FormData) -> ReportForm:
    names = form.getlist("subject_name")
    numbers = form.getlist("subject_staff_number")
    units = form.getlist("subject_unit")
    rows = max(SUBJECT_ROWS, len(names), len(numbers), len(units))

    def at(values: list[str | UploadFile], index: int) -> str:
        value = values[index] if index < len(values) else ""
        return value if isinstance(value, str) else ""

    return ReportForm(
        category=_text(form, "category"),
        relation=_text(form, "relation"),
        what_happened=_text(form, "what_happened"),
        when=_text(form, "when"),
        where=_text(form, "where"),
        subjects=[SubjectForm(at(names, i), at(numbers, i), at(units, i)) for i in range(rows)],
        identity_choice=_text(form, "identity_choice") or "anonymous",
        identity_name=_text(form, "identity_name"),
        identity_staff_number=_text(form, "identity_staff_number"),
        identity_contact=_text(form, "identity_contact"),
        channel=_text(form, "channel") or "phone",
        about_sex=_text(form, "about_sex"),
        about_ethnicity=_text(form, "about_ethnicity"),
        about_age=_text(form, "about_age"),
    )


def chose_files(form: FormData) -> bool:
    """Whether the person picked any file (an empty file field is still sent, with no name)."""
    return any(isinstance(item, UploadFile) and item.filename for item in form.getlist("files"))


async def read_files(form: FormData) -> tuple[FileInput, ...]:
    files = []
    for item in form.getlist("files"):
        if isinstance(item, UploadFile) and item.filename:
            files.append(
                FileInput(
                    filename=item.filename,
                    content_type=item.content_type or "application/octet-stream",
                    data=await item.read(),
                )
            )
    return tuple(files)


def to_submission(report_form: ReportForm, files: tuple[FileInput, ...]) -> Submission:
    errors: dict[str, str] = {}
    try:
        category = Category(report_form.category)
    except ValueError:
        errors["category"] = gettext("Please choose what the report is about (“Something else” is fine).")
        category = Category.OTHER
    try:
        relation = ReporterRelation(report_form.relation)
    except ValueError:
        errors["relation"] = gettext("Please say whether it happened to you or you saw or know of it.")
        relation = ReporterRelation.WITNESS
    if not report_form.what_happened.strip():
        errors["what_happened"] = gettext("Please say what happened. A few words are enough to start.")
    age = report_form.about_age.strip()
    if age and not age.isdigit():
        errors["about_me.age"] = gettext("Give your age in years, or leave it empty.")
    typed_identity = any(
        value.strip()
        for value in (
            report_form.identity_name,
            report_form.identity_staff_number,
            report_form.identity_contact,
        )
    )
    if report_form.identity_choice != "named" and typed_identity:
        # Never drop a name silently: the person may believe they gave it, or may not want it sent.
        errors["identity_choice"] = gettext(
            "You chose to stay anonymous but also typed your name or contact details. Choose "
            "“Yes, give my name” to send them, or clear those boxes to stay anonymous."
        )
    if errors:
        raise InvalidInput(
            gettext("Some of the report needs correcting before it can be sent."), fields=errors
        )
    about_me = AboutMe(
        report_form.about_sex.strip(), report_form.about_ethnicity.strip(), int(age) if age else None
    )
    identity = None
    if report_form.identity_choice == "named":
        identity = Identity(
            name=report_form.identity_name.strip(),
            staff_number=report_form.identity_staff_number.strip(),
            contact=report_form.identity_contact.strip(),
        )
    return Submission(
        category=category,
        what_happened=report_form.what_happened,
        relation=relation,
        when=report_form.when.strip(),
        where=report_form.where.strip(),
        subjects=tuple(
            SubjectInput(name=s.name.strip(), staff_number=s.staff_number.strip(), unit=s.unit.strip())
            for s in report_form.subjects
            if s.name.strip() or s.staff_number.strip() or s.unit.strip()
        ),
        identity=identity,
        files=files,
        about_me=None if about_me.is_empty else about_me,
    )
