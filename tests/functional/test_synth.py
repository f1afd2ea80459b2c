"""`upstander synth` on a small scale: the statistics find what was planted, the scan flags every planted
serial offender, and the synthesised reports are in the inbox with statements that open."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from common.staff import PASSWORD, Staff
from upstander.accounts.models import Role
from upstander.cases.models import Allegation, Case, CaseEvent
from upstander.cli import app as cli
from upstander.equality.service import StatisticsFilters
from upstander.errors import InvalidInput
from upstander.patterns.models import InterventionFlag
from upstander.services import Services
from upstander.synth import rules
from upstander.synth.service import SynthService, submit_reports, walk_cases

# Seeded, so the result is the same on every run; at 95% a planted rate can fall outside its interval
# once in twenty groups, and this seed's do not.
SPEC = rules.SynthSpec(
    forces=2, years=4, allegations=3_000, seed=11, until=date(2024, 12, 31), serial_offenders=4
)


@pytest.fixture(autouse=True)
def intake_team(staff: Staff) -> None:
    """Reports are refused until a handler and an overseer exist to seal them to."""
    staff.handler()
    staff.overseer()


def test_the_statistics_recover_each_planted_entry_rate_and_the_scan_flags_every_serial_offender(
    services: Services,
) -> None:
    data = SynthService(services.database, services.audit).load(SPEC)
    table = services.statistics.exact_stage_table(StatisticsFilters(start=SPEC.first_day, end=SPEC.until))
    for group, planted in SPEC.relative_entry.items():
        line = table.line(group, "reported")
        assert line.count.value == data.entrants[group]
        if group == rules.REFERENCE_GROUP:
            continue
        interval = line.comparison.interval  # type: ignore[union-attr]
        assert interval is not None, group
        assert interval.lower <= planted <= interval.upper, (group, planted, interval)
    services.intervention.scan()
    with services.database.transaction() as session:
        flagged = set(session.scalars(select(InterventionFlag.person_id)))
        loaded = session.scalar(select(func.count()).select_from(Allegation))
    assert {offender.person_id for offender in data.serial_offenders} <= flagged
    assert loaded == len(data.table("allegations").rows)
    with pytest.raises(InvalidInput, match="already in this database"):
        SynthService(services.database, services.audit).load(SPEC)


def test_synthesised_reports_are_in_the_inbox_and_open_and_cases_have_their_events(
    services: Services, staff: Staff
) -> None:
    data = SynthService(services.database, services.audit).load(
        rules.SynthSpec(forces=1, years=1, allegations=50, seed=12, serial_offenders=0)
    )
    handler = staff.principal(staff.handler())
    decision = staff.principal(staff.user("decision", [Role.DECISION_MAKER]))
    report_ids = submit_reports(services.reports, data, 5)
    inbox = services.handling.inbox(handler)
    assert inbox.total == 5
    opened = services.handling.open_report(handler, report_ids[0])
    assert "synthetic report 1" in opened.what_happened
    case_ids = walk_cases(
        services.handling, services.cases, services.workflow, handler, decision, report_ids, 4
    )
    with services.database.transaction() as session:
        events = dict(
            session.execute(
                select(CaseEvent.case_id, func.count())
                .where(CaseEvent.case_id.in_(case_ids))
                .group_by(CaseEvent.case_id)
            ).all()
        )
    assert [events[case_id] for case_id in case_ids] == sorted(events[case_id] for case_id in case_ids)
    assert events[case_ids[0]] < events[case_ids[3]]


def test_the_command_submits_reports_and_walks_cases_as_the_named_staff(
    staff: Staff,
    services: Services,
    database_url: str,
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    staff.user("decision", [Role.DECISION_MAKER])
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_SYNTH_PASSWORD", PASSWORD)
    monkeypatch.setenv(
        "UPSTANDER_PASSWORD_COST", '{"opslimit": 1, "memlimit_kib": 8}'
    )  # as the users were made
    arguments = ["synth", "--forces", "1", "--years", "1", "--allegations", "50", "--seed", "6"]
    result = CliRunner().invoke(
        cli, [*arguments, "--reports", "2", "--cases", "2", "--manifest", str(tmp_path / "m.json")]
    )
    assert result.exit_code == 0, result.output
    with services.database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 2
    too_many = CliRunner().invoke(cli, [*arguments, "--reports", "1", "--cases", "2"])
    assert too_many.exit_code == 2
    assert "more cases than there are reports" in too_many.output


def test_the_command_loads_and_writes_the_manifest(
    database_url: str, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))  # the key files the services were built with
    manifest = tmp_path / "manifest.json"
    arguments = ["synth", "--forces", "1", "--years", "2", "--allegations", "200", "--seed", "5"]
    result = CliRunner().invoke(cli, [*arguments, "--manifest", str(manifest)])
    assert result.exit_code == 0, result.output
    written = json.loads(manifest.read_text())
    assert written["seed"] == 5
    assert written["relative_rate_of_entry"]["planted"]["Black"] == 1.8
    assert len(written["serial_offenders"]) == 10
    again = CliRunner().invoke(cli, [*arguments, "--manifest", str(manifest)])
    assert again.exit_code == 1
    assert "already in this database" in again.output
