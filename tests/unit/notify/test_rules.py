"""What a notification says: fixed sentences, a date, a link with at most an id — never content."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.cases.engine.state import EVENT_KINDS
from upstander.errors import InvalidInput
from upstander.notify import rules
from upstander.notify.rules import Audience, Item, Kind

BASE = "https://upstander.example.org"
DATED = [kind for kind, sentence in rules.SENTENCES.items() if "{due}" in sentence]

kinds = st.sampled_from(list(Kind))
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
links = st.uuids().flatmap(
    lambda i: st.sampled_from(
        [
            rules.report_link(i),
            rules.case_link(i),
            rules.INBOX_PAGE,
            rules.RESTRICTIONS_PAGE,
            rules.INTERVENTION_FLAGS_PAGE,
            rules.DETRIMENT_ALERTS_PAGE,
        ]
    )
)
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC))
items = st.builds(Item, kind=kinds, link=links, due_on=days, created_at=moments)


def test_the_due_date_is_the_day_and_the_short_month() -> None:
    assert rules.short_date(date(2026, 12, 10)) == "10 Dec"
    assert rules.short_date(date(2027, 1, 3)) == "3 Jan"


def test_a_new_report_says_what_is_waiting_and_by_when() -> None:
    report = uuid.UUID("12345678-1234-5678-1234-567812345678")
    item = Item(
        Kind.NEW_REPORT, rules.report_link(report), date(2026, 12, 10), datetime(2026, 12, 3, tzinfo=UTC)
    )

    message = rules.immediate_message(item, BASE + "/")

    assert message.subject == "Upstander: something is waiting for you"
    assert message.body == (
        "A new report is waiting for acknowledgement, due 10 Dec.\n\n"
        f"{BASE}/staff/reports/{report}\n\n"
        "Sign in to see it. This message says only that something is waiting.\n"
    )


@pytest.mark.parametrize("kind", DATED)
def test_a_reminder_without_its_date_is_refused(kind: Kind) -> None:
    with pytest.raises(ValueError, match="needs its due date"):
        rules.sentence(kind, None)


@pytest.mark.parametrize(
    "link",
    ["/staff/reports/R-ABC123", "https://elsewhere.example/x", "/staff/reports/123?name=Quill", "/report"],
)
def test_a_link_with_anything_but_an_id_in_it_is_refused(link: str) -> None:
    with pytest.raises(ValueError, match="at most an id"):
        rules.check_link(link)


@given(item=items)
def test_every_message_is_a_fixed_sentence_a_link_and_the_closing_line(item: Item) -> None:
    message = rules.immediate_message(item, BASE)
    sentence, link, closing = message.body.rstrip("\n").split("\n\n")
    assert sentence == rules.sentence(item.kind, item.due_on)
    assert link == BASE + item.link
    assert closing == rules.CLOSING
    # Apart from the date and the id, nothing in it varies: no field of a report can reach it.
    fixed = re.sub(r"\d{1,2} [A-Z][a-z]{2}", "{due}", sentence)
    assert fixed in rules.SENTENCES.values()


@given(st.lists(items, min_size=1, max_size=30))
def test_a_digest_lists_each_waiting_thing_once_overdue_first(batch: list[Item]) -> None:
    message = rules.digest_message(batch, BASE)

    listed = re.findall(r"^  (\S+)$", message.body, flags=re.MULTILINE)
    assert sorted(listed) == sorted({BASE + item.link for item in batch})
    sentences = re.findall(r"^- (.+)$", message.body, flags=re.MULTILINE)
    overdue = [("overdue" in s) for s in sentences]
    assert overdue == sorted(overdue, reverse=True)
    assert message.body.endswith(rules.CLOSING + "\n")


@given(st.lists(items, min_size=2, max_size=10), st.randoms())
def test_a_digest_does_not_depend_on_the_order_the_rows_came_in(batch: list[Item], shuffler: object) -> None:
    unique_times = [
        Item(i.kind, i.link, i.due_on, i.created_at + timedelta(microseconds=n)) for n, i in enumerate(batch)
    ]
    shuffled = list(unique_times)
    shuffler.shuffle(shuffled)  # type: ignore[attr-defined]
    assert rules.digest_message(shuffled, BASE) == rules.digest_message(unique_times, BASE)


@given(due=days, today=days)
def test_a_duty_is_due_tomorrow_or_overdue_never_both(due: date, today: date) -> None:
    tomorrow, overdue = rules.reminder(due, today)
    assert not (tomorrow and overdue)
    assert tomorrow == (due - today == timedelta(days=1))
    assert overdue == (due < today)


@given(kind=kinds, link=links, due=days)
def test_a_reminder_is_written_once_per_thing_and_day(kind: Kind, link: str, due: date) -> None:
    assert rules.dedupe_key(kind, link, due) == rules.dedupe_key(kind, link, due)
    assert rules.dedupe_key(kind, link, due) != rules.dedupe_key(kind, link, due + timedelta(days=1))


@given(st.lists(st.lists(st.uuids(), max_size=5), max_size=5), st.uuids())
def test_everyone_is_each_person_once_without_the_one_who_caused_it(
    groups: list[list[uuid.UUID]], causer: uuid.UUID
) -> None:
    people = rules.everyone(groups, leaving_out=causer)
    assert len(people) == len(set(people))
    assert set(people) == {p for g in groups for p in g} - {causer}


def test_a_choice_is_an_address_and_immediate_or_daily() -> None:
    assert rules.validate_choice("kim@force.example.org", "daily") == ("kim@force.example.org", True)
    with pytest.raises(InvalidInput) as refused:
        rules.validate_choice("not an address", "weekly")
    assert set(refused.value.fields) == {"address", "mode"}


def test_a_referral_and_a_review_request_tell_the_overseer_and_a_direction_the_handler() -> None:
    assert rules.step_notice("overseer_referral_made") == rules.StepNotice(
        Kind.REFERRAL_WAITING, Audience.OVERSEER
    )
    assert rules.step_notice("review_requested") == rules.StepNotice(
        Kind.REVIEW_REQUEST_WAITING, Audience.OVERSEER
    )
    for direction in ("review_directed", "reinvestigation_directed"):
        assert rules.step_notice(direction) == rules.StepNotice(Kind.DIRECTION_GIVEN, Audience.HANDLER)


def test_only_those_four_of_the_steps_the_engine_stores_tell_anyone() -> None:
    telling = {kind for kind in EVENT_KINDS if rules.step_notice(kind) is not None}
    assert telling == {
        "overseer_referral_made",
        "review_requested",
        "review_directed",
        "reinvestigation_directed",
    }
    assert rules.step_notice("assign_investigator") is None


def test_every_kind_has_its_fixed_sentence_and_the_new_ones_carry_no_date() -> None:
    assert set(rules.SENTENCES) == set(Kind)
    for kind in (
        Kind.INTERVENTION_FLAG_RAISED,
        Kind.DETRIMENT_ALERT,
        Kind.REFERRAL_WAITING,
        Kind.REVIEW_REQUEST_WAITING,
        Kind.DIRECTION_GIVEN,
    ):
        assert rules.sentence(kind, None) == rules.SENTENCES[kind]
