"""A fictional force for trying Upstander: units, about 300 people, a user for every role, reports, cases.

Everything here is invented. Names are drawn from common given and family names with a fixed
seed, so every demo database looks the same.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from upstander.accounts.models import Role, User
from upstander.accounts.service import StaffPrincipal, unlock_principal
from upstander.audit.service import Actor
from upstander.demo.force import FORCE, seed_org
from upstander.org.models import EmploymentStatus, Person
from upstander.reports.models import Category, Report, ReporterRelation
from upstander.reports.rules import Identity, SubjectInput, Submission

if TYPE_CHECKING:
    from upstander.services import Services

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - fictional demo accounts, printed on purpose


DEMO_USERS = [
    ("handler", "Sam Okoye (PSD handler)", [Role.HANDLER]),
    ("handler2", "Dee Marsh (PSD handler)", [Role.HANDLER]),
    ("investigator", "Lee Carver (PSD investigator)", [Role.INVESTIGATOR]),
    ("decision", "Supt. Ruth Adair (appropriate authority)", [Role.DECISION_MAKER]),
    ("decision2", "Ch. Supt. Ian Kerr (appropriate authority)", [Role.DECISION_MAKER]),
    ("custodian", "Mona Fisk (identity custodian)", [Role.CUSTODIAN]),
    ("overseer", "Olu Banjo (independent overseer)", [Role.OVERSEER]),
    ("operator", "Pat Quill (intake operator)", [Role.OPERATOR]),
    ("rep", "Val Drummond (staff association)", [Role.REPRESENTATIVE]),
    ("welfare", "Jo Hart (welfare officer)", [Role.WELFARE]),
    ("analyst", "Ana Lytic (analyst)", [Role.ANALYST]),
    ("vetting", "Vic Tetting (vetting unit)", [Role.VETTING]),
    ("admin", "Ade Min (administrator)", [Role.ADMIN]),
    ("hr", "Hal Rees (HR)", [Role.HR]),
]


@dataclass(frozen=True)
class DemoReport:
    category: Category
    relation: ReporterRelation
    text: str
    when: str
    where: str
    subject_index: int
    named: bool = False


REPORTS = [
    DemoReport(
        Category.SEXUAL_HARASSMENT,
        ReporterRelation.VICTIM,
        "On several night shifts my sergeant has made comments about my body and touched my back when "
        "nobody else was in the report-writing room. When I asked him to stop he laughed and said I should "
        "learn to take a joke if I want to pass probation.",
        "Most night shifts since January",
        "Report-writing room, Northgate station",
        0,
    ),
    DemoReport(
        Category.DISCRIMINATION,
        ReporterRelation.WITNESS,
        "In the team WhatsApp group a colleague posted a racist 'joke' about a Somali family we had dealt "
        "with. Two others replied with laughing emojis. Nobody challenged it.",
        "Last Tuesday",
        "Team A group chat",
        1,
    ),
    DemoReport(
        Category.BULLYING,
        ReporterRelation.VICTIM,
        "Since I returned from maternity leave my inspector gives me every late job and has told others I "
        "am 'not committed'. I have been left off the rota for the course I was promised.",
        "The last four months",
        "Response South",
        2,
        named=True,
    ),
    DemoReport(
        Category.DRINK_DRUG_DRIVING,
        ReporterRelation.WITNESS,
        "A constable left the Christmas party clearly drunk and drove home in his own car. I saw him "
        "struggle to find his keys and then drive out of the car park.",
        "Friday 12 December, about 23:30",
        "Car park of the Social Club",
        3,
    ),
    DemoReport(
        Category.ABUSE_OF_POSITION,
        ReporterRelation.WITNESS,
        "An officer has been messaging a domestic abuse victim he met on a call, asking to meet her off "
        "duty. She showed me the messages when I took her follow-up statement.",
        "Over the past two weeks",
        "Brookfield",
        4,
    ),
]


def seed(services: Services, *, only_if_empty: bool, console: Console) -> bool:
    with services.database.transaction() as session:
        has_users = (session.scalar(select(func.count()).select_from(User)) or 0) > 0
    if has_users:
        if only_if_empty:
            console.print("The database already has users: the demo data was not added again.")
            return False
        raise SystemExit("The database already has users; the demo seeds only an empty database.")
    rng = random.Random(2026)  # noqa: S311 - fictional names, not secrets
    people = seed_org(services, rng)
    system = Actor.system("demo")
    for username, name, roles in DEMO_USERS:
        services.accounts.create_user(
            username=username,
            display_name=name,
            password=DEMO_PASSWORD,
            roles=roles,
            actor=system,
            is_demo=True,
        )
    _seed_reports(services, people, console)
    welfare = unlock_principal(services.database, services.settings, "welfare", DEMO_PASSWORD)
    reasons = "Witness and subject in a bullying report; the witness asked not to share a team or shift."
    services.safeguarding.make_order(
        welfare, people[0].id, people[1].id, reasons, "until the case closes", ["team", "shift"]
    )
    _seed_register(services, people)
    return True


def _seed_register(services: Services, people: list[Person]) -> None:
    """Two entries of the register, and a detriment alert: the named reporter of the bullying report,
    Kim Rowe, is refused a course after the custodian recorded who she is."""
    settings = services.settings
    decision = unlock_principal(services.database, settings, "decision", DEMO_PASSWORD)
    services.register.impose(
        decision,
        people[5].id,
        "restricted_duties",
        "sexual_misconduct",
        "Alleged sexual harassment of a probationer on night shifts: no supervision of probationers and no "
        "night shifts while the report is assessed.",
    )
    with services.database.transaction() as session:
        abuse_case = session.scalars(
            select(Report.case_id).where(Report.category == Category.ABUSE_OF_POSITION)
        ).one()
        named_report = session.scalars(select(Report.id).where(Report.sealed_identity.is_not(None))).one()
        session.add(
            Person(
                staff_number="NS00999",
                given_name="Kim",
                family_name="Rowe",
                rank="Police Constable",
                employment_status=EmploymentStatus.SERVING,
                joined_on=date(2016, 9, 5),
            )
        )
    services.register.impose(
        decision,
        people[4 * 37 + 5].id,
        "suspended",
        "abuse_of_position",
        "Messages to a domestic abuse victim met on duty, asking to meet off duty.",
        redeployment_considered="Restricted duties were considered: any role with access to police systems "
        "would let the officer find the victim's address, so redeployment cannot manage the risk.",
        case_id=abuse_case,
    )
    custodian = unlock_principal(services.database, settings, "custodian", DEMO_PASSWORD)
    services.detriment.watch_reporter(custodian, named_report, "NS00999")
    hr = unlock_principal(services.database, settings, "hr", DEMO_PASSWORD)
    services.detriment.record_event(
        hr, "NS00999", "training_refused", None, "Place on the sergeants' preparation course withdrawn."
    )


def _seed_reports(services: Services, people: list[Person], console: Console) -> None:
    settings = services.settings
    handler = unlock_principal(services.database, settings, "handler", DEMO_PASSWORD)
    receipts: list[tuple[str, str]] = []
    report_ids = []
    for index, demo_report in enumerate(REPORTS):
        subject = people[demo_report.subject_index * 37 + 5]
        result = services.reports.submit(
            Submission(
                category=demo_report.category,
                what_happened=demo_report.text,
                relation=demo_report.relation,
                when=demo_report.when,
                where=demo_report.where,
                subjects=(
                    SubjectInput(
                        name=subject.full_name, staff_number=subject.staff_number if index % 2 == 0 else ""
                    ),
                ),
                identity=Identity("Kim Rowe", "NS00999", "personal mobile, evenings")
                if demo_report.named
                else None,
            )
        )
        receipts.append((result.reference, result.receipt_key))
        report_ids.append(result.report_id)
    services.handling.acknowledge(handler, report_ids[0])
    services.handling.reply(
        handler,
        report_ids[0],
        "Thank you for trusting us with this. Could you tell us whether anyone else was on shift nearby on any of "
        "those nights? You can answer here whenever it is safe for you to do so.",
    )
    services.handling.add_note(handler, report_ids[0], "Check duty rosters for Team A nights, Jan–Mar.")
    services.handling.acknowledge(handler, report_ids[1])
    racism_case = services.cases.open_case(handler, [report_ids[1]])
    services.handling.acknowledge(handler, report_ids[4])
    abuse_case = services.cases.open_case(handler, [report_ids[4]])
    _walk_cases(services, handler, racism_case.id, abuse_case.id)
    # The officer in the abuse-of-position case has asked the staff association to represent them.
    with services.database.transaction() as session:
        representative = session.scalars(select(User.id).where(User.username == "rep")).one()
    services.representation.give_consent(
        handler, abuse_case.id, people[REPORTS[4].subject_index * 37 + 5].staff_number, representative
    )
    receipts_file = settings.data_dir / "demo-receipts.txt"
    receipts_file.write_text(
        "Receipt keys of the fictional demo reports (a real reporter's key is never stored anywhere):\n"
        + "".join(f"{reference}  {key}\n" for reference, key in receipts)
    )


def _walk_cases(
    services: Services, handler: StaffPrincipal, racism_case: uuid.UUID, abuse_case: uuid.UUID
) -> None:
    """Two cases some way along: one waiting for the overseer's referral decision, one under investigation."""
    settings = services.settings
    decision = unlock_principal(services.database, settings, "decision", DEMO_PASSWORD)
    with services.database.transaction() as session:
        investigator_id = str(session.scalars(select(User.id).where(User.username == "investigator")).one())
    act = services.workflow.act
    act(
        handler,
        racism_case,
        "add_allegation",
        {
            "standard": ["equality_and_diversity"],
            "summary": ["Posted a racist 'joke' in the team group chat."],
        },
    )
    act(
        decision,
        racism_case,
        "assess_severity",
        {
            "severity": ["gross_misconduct"],
            "reasons": ["Racist content shared with the team; others joined in."],
        },
    )
    act(
        handler,
        racism_case,
        "refer_to_overseer",
        {"reasons": ["Discriminatory behaviour liable to discipline."]},
    )
    act(
        handler,
        abuse_case,
        "add_allegation",
        {
            "standard": ["discreditable_conduct"],
            "summary": ["Contacted a domestic abuse victim to meet off duty."],
        },
    )
    act(
        decision,
        abuse_case,
        "assess_severity",
        {"severity": ["misconduct"], "reasons": ["Messages suggest an improper approach; not yet sexual."]},
    )
    act(handler, abuse_case, "assign_investigator", {"investigator_id": [investigator_id]})


def print_sign_ins(services: Services, console: Console, *, seeded: bool) -> None:
    table = Table(title=f"Demo sign-ins ({FORCE}, fictional) — password for all: {DEMO_PASSWORD}")
    table.add_column("username")
    table.add_column("who")
    table.add_column("role")
    for username, name, roles in DEMO_USERS:
        table.add_row(username, name, ", ".join(r.value.replace("_", " ") for r in roles))
    console.print(table)
    console.print(
        "Staff sign-in needs a code from an authenticator app. For demo accounts, print the current code with:\n"
        "  [bold].venv/bin/upstander demo-code handler[/]"
    )
    receipts_file = services.settings.data_dir / "demo-receipts.txt"
    if receipts_file.exists():
        console.print(f"Receipt keys of the demo reports, to try the reporter's follow-up: {receipts_file}")
        console.print(receipts_file.read_text().splitlines()[1] if seeded else "")
