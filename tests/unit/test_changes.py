"""How a change someone else made first is said, and how versions travel in headers and forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg import errors as pg
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError

from upstander.db import LostRace, lost_race_as_domain_error
from upstander.store import changes

NOW = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "a moment ago"),
        (89, "a moment ago"),
        (-5, "a moment ago"),  # another server's clock a little ahead
        (4 * 60, "4 minutes ago"),
        (3600, "an hour ago"),
        (5 * 3600, "5 hours ago"),
        (3 * 86400, "on 1 March 2026"),
    ],
)
def test_how_long_ago(seconds: int, said: str) -> None:
    assert changes.how_long_ago(NOW - timedelta(seconds=seconds), NOW) == said


def test_the_sentences_name_what_changed_and_who() -> None:
    assert changes.put_into_case("R-ABC1234", "C-2026-0007", "Sam Okoye", NOW, NOW).startswith(
        "This report (R-ABC1234) was put into case C-2026-0007 by Sam Okoye a moment ago."
    )
    assert "already acknowledged by Sam Okoye a moment ago" in changes.already_acknowledged(
        "R-ABC1234", "Sam Okoye", NOW, NOW
    )
    assert "was changed by Sam Okoye 4 minutes ago (Allegation added)" in changes.case_changed(
        "C-1", "Allegation added", "Sam Okoye", NOW - timedelta(minutes=4), NOW
    )


def test_a_colleague_is_named_only_when_they_acted_moments_ago() -> None:
    assert changes.just_done_by("Report acknowledged", "Sam Okoye", NOW, NOW) == (
        "Sam Okoye got there first, a moment ago: “Report acknowledged”."
    )
    assert changes.just_done_by("Report acknowledged", "Sam Okoye", NOW - timedelta(minutes=5), NOW) is None


@pytest.mark.parametrize(
    ("header", "version"), [(None, None), ("", None), ("*", None), ('"7"', 7), ('W/"7"', 7), (' "12" ', 12)]
)
def test_if_match_names_a_version_or_nothing(header: str | None, version: int | None) -> None:
    assert changes.version_from_if_match(header) == version


@pytest.mark.parametrize("header", ["7", '"seven"', '"1", "2"', '"99999999999"'])
def test_an_if_match_that_is_no_etag_of_ours_fails_the_precondition(header: str) -> None:
    with pytest.raises(changes.PreconditionFailed) as refused:
        changes.version_from_if_match(header)
    assert refused.value.status == 412


def test_the_etag_is_the_version_quoted() -> None:
    assert changes.version_from_if_match(changes.etag(3)) == 3


@pytest.mark.parametrize(("value", "version"), [("4", 4), (" 4 ", 4), ("", None), (None, None), ("x", None)])
def test_a_form_without_a_version_still_works(value: object, version: int | None) -> None:
    assert changes.version_from_form(value) == version


def test_a_stale_version_is_412_on_the_api_and_409_from_a_form() -> None:
    with pytest.raises(changes.PreconditionFailed) as refused, changes.if_match(3):
        raise changes.StaleVersion("Case C-1 was changed by Sam Okoye a moment ago.")
    assert (refused.value.status, refused.value.detail) == (
        412,
        "Case C-1 was changed by Sam Okoye a moment ago.",
    )
    with pytest.raises(changes.StaleVersion) as from_form, changes.if_match(None):
        raise changes.StaleVersion("changed")
    assert from_form.value.status == 409
    # Losing to a decision the database made is not a failed precondition.
    with pytest.raises(changes.ChangedMeanwhile) as lost, changes.if_match(3):
        raise changes.ChangedMeanwhile("already acknowledged")
    assert lost.value.status == 409


def pg_error(error: psycopg.Error) -> sa_exc.DBAPIError:
    return sa_exc.OperationalError("UPDATE ...", {}, error)


@pytest.mark.parametrize(
    "raised",
    [
        StaleDataError("0 rows matched"),
        pg_error(pg.DeadlockDetected("deadlock detected")),
        pg_error(pg.SerializationFailure("could not serialize")),
    ],
)
def test_a_lost_race_the_database_caught_is_a_409_never_a_500(raised: Exception) -> None:
    with pytest.raises(LostRace) as lost, lost_race_as_domain_error():
        raise raised
    assert lost.value.status == 409


def test_other_database_errors_pass_unchanged() -> None:
    error = pg_error(pg.UniqueViolation("duplicate key"))
    with pytest.raises(sa_exc.OperationalError), lost_race_as_domain_error():
        raise error
