"""The public pages show nothing that is not suppressed: every number on them is scanned.

The seed's exact counts include many small ones (1, 2, 3, 7, 11, 13 ...) that would leak if any
published figure skipped disclosure control. Every count on a page is rendered in an element of class
``count``; rates and ratios in class ``ratio`` or ``reading``. The scan checks all three kinds and then
everything else on the page: a number outside those elements must be a date, a year, or part of the
fixed wording of the page (band labels such as "31 to 90 days", the "1 to 9" of the explanation).
"""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from common.clock import FakeClock
from common.pages import sign_in
from common.staff import Staff
from common.statistics import seed
from upstander.accounts.models import Role
from upstander.equality import activity
from upstander.equality.stages import AGE_BANDS, SERVICE_BANDS
from upstander.equality.suppression import DEFAULT_POLICY
from upstander.services import Services

THRESHOLD, BASE = DEFAULT_POLICY.threshold, DEFAULT_POLICY.rounding_base
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATE = re.compile(rf"\b\d{{1,2}} ({MONTHS})( \d{{4}})?\b")
YEAR = re.compile(r"\b(19|20)\d{2}\b")
DECIMAL = re.compile(r"\d+\.\d+")
SECTION = re.compile(r"^\d+\. ")  # "3. Open allegations ..." (table numbers such as 3.1 are decimals)
INTEGER = re.compile(r"\d+(?:,\d{3})*")
# Numbers in the pages' fixed wording: band labels, "1 to 9", "nearest 5", "within 7 days", "95%",
# "1 means the same, 2 means twice as likely".
LABELS = " ".join((*activity.ACKNOWLEDGE_BANDS, *activity.CLOSE_BANDS, *AGE_BANDS, *SERVICE_BANDS))
WORDING = {int(n) for n in re.findall(r"\d+", LABELS)} | {1, 2, 5, 7, THRESHOLD - 1, 95}
RRI_TICKS = {"0.25", "0.5", "1", "2", "4", "8"}


def is_published_count(text: str) -> bool:
    if text == "[c]":
        return True
    value = int(text.replace(",", ""))
    return value == 0 or (value >= THRESHOLD and value % BASE == 0)


class Scan(HTMLParser):
    """Text of a page, sorted by the kind of element it sits in."""

    KINDS = ("count", "ratio", "reading")

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.found: dict[str, list[str]] = {"count": [], "ratio": [], "reading": [], "text": []}
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "img":
            self.images.append(attributes.get("src") or "")
            return
        if tag in {"input", "meta", "link", "br"}:
            return
        classes = (attributes.get("class") or "").split()
        kind = next((k for k in self.KINDS if k in classes), None)
        self.stack.append(kind if tag not in {"script", "style"} else "skip")

    def handle_endtag(self, tag: str) -> None:
        if tag not in {"img", "input", "meta", "link", "br"} and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not data.strip():
            return
        kind = next((k for k in reversed(self.stack) if k), "text")
        if kind != "skip":
            self.found[kind].append(data.strip())


def scan(html: str) -> Scan:
    scanner = Scan()
    scanner.feed(html)
    return scanner


def check_page(html: str) -> Scan:
    page = scan(html)
    assert len(page.found["count"]) >= 20, "the page shows fewer counts than the seed should give"
    assert "[c]" in page.found["count"], "the seed's small counts must show as suppressed"
    leaked = [text for text in page.found["count"] if not is_published_count(text)]
    assert not leaked, f"counts shown without disclosure control: {leaked}"
    for text in page.found["ratio"] + page.found["reading"]:
        bare = INTEGER.findall(DECIMAL.sub(" ", text.replace("95%", "")))
        assert all(int(n) in WORDING for n in bare), f"a rate or reading quotes a count: {text!r}"
    for text in page.found["text"]:
        rest = DECIMAL.sub(" ", YEAR.sub(" ", DATE.sub(" ", SECTION.sub(" ", text))))
        for number in INTEGER.findall(rest):
            value = int(number.replace(",", ""))
            assert value in WORDING or is_published_count(number), f"a number outside the tables: {text!r}"
    return page


def check_count_chart(svg: str) -> None:
    assert svg.startswith("<?xml")
    assert "<svg" in svg
    texts = [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg) if t.strip()]
    assert texts, "chart text should stay text (svg.fonttype none)"
    for text in texts:
        if re.fullmatch(r"\[c\]|[\d,]+", text):
            assert is_published_count(text), f"a chart labels a bar with an unpublished count: {text}"
        else:
            assert all(int(n) in WORDING for n in re.findall(r"\d+", text)), text


def check_ratio_chart(svg: str) -> None:
    assert svg.startswith("<?xml")
    assert "<svg" in svg
    texts = [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg) if t.strip()]
    numeric = [text for text in texts if re.fullmatch(r"[\d.]+", text)]
    assert set(numeric) <= RRI_TICKS, numeric


@pytest.fixture
def seeded(services: Services) -> Services:
    seed(services)
    return services


def test_the_transparency_page_shows_only_suppressed_and_rounded_figures(
    client: TestClient, seeded: Services
) -> None:
    response = client.get("/transparency")
    assert response.status_code == 200, response.text
    html = response.text
    assert "1 January 2024 to 31 December 2024" in html
    assert "suspended or on restricted duties on 31 December 2024" in html
    assert "restricted duties: sexual misconduct" in html
    assert "suspended: discrimination" in html
    page = check_page(html)
    charts = [src for src in page.images if src.startswith("/transparency/charts/")]
    assert {src.split("?")[0].rsplit("/", 1)[1] for src in charts} == {
        "open-by-category.svg",
        "restrictions.svg",
        "time-to-acknowledge.svg",
        "time-to-close.svg",
        "disproportionality.svg",
    }
    for src in charts:
        chart = client.get(src)
        assert chart.status_code == 200
        assert chart.headers["content-type"].startswith("image/svg+xml")
        assert "style-src 'unsafe-inline'" in chart.headers["content-security-policy"]
        assert "script-src" not in chart.headers["content-security-policy"]
        assert chart.content == client.get(src).content, "charts are byte-stable"
        if "disproportionality" in src:
            check_ratio_chart(chart.text)
        else:
            check_count_chart(chart.text)


@pytest.mark.parametrize("by", ["sex", "age", "rank", "service"])
def test_every_breakdown_of_the_page_is_suppressed(client: TestClient, seeded: Services, by: str) -> None:
    response = client.get("/transparency", params={"by": by})
    assert response.status_code == 200, response.text
    check_page(response.text)


def test_the_annual_report_is_suppressed_in_html_and_csv(client: TestClient, seeded: Services) -> None:
    html = client.get("/transparency/report/2024.html")
    assert html.status_code == 200, html.text
    assert "About these statistics" in html.text
    page = check_page(html.text)
    images = [src for src in page.images if src.startswith("data:image/svg+xml;base64,")]
    assert len(images) == 5, "the report carries its charts with it"
    for src in images:
        svg = base64.b64decode(src.split(",", 1)[1]).decode()
        (check_ratio_chart if "times as likely" in svg else check_count_chart)(svg)

    response = client.get("/transparency/report/2024.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {row["table"] for row in rows} >= {
        "stages_subjects_by_ethnicity",
        "stages_subjects_by_length_of_service",
        "stages_complainants_by_age_band",
        "open_by_category",
        "time_to_close",
    }
    shown = [row[column] for row in rows for column in ("count", "count_at_stage_before") if row[column]]
    assert "[c]" in shown
    assert all(is_published_count(value) for value in shown), [v for v in shown if not is_published_count(v)]
    white = next(r for r in rows if r["table"] == "stages_subjects_by_ethnicity" and r["group"] == "White")
    assert (white["measure"], white["count"]) == ("workforce (headcount)", "40")  # 41, rounded


def test_an_analyst_sees_what_the_public_page_hides(client: TestClient, seeded: Services) -> None:
    """The scan above is not vacuous: the same seed gives small exact counts."""
    from upstander.equality.service import StatisticsFilters

    table = seeded.statistics.exact_stage_table(StatisticsFilters(start=None, end=None))
    small = {table.count(group, "reported") for group in table.groups}
    assert small & {1, 7}
    public = client.get("/api/v1/statistics/stages").json()
    assert {line["count"] for line in public["lines"] if line["stage"] == "reported"} & {1, 7} == set()


def test_a_year_without_a_report_is_not_found(client: TestClient, seeded: Services) -> None:
    assert client.get("/transparency/report/1800.html").status_code == 404
    assert client.get("/transparency?year=2999").status_code == 404


def test_the_register_is_published_by_measure_and_category_with_small_numbers_suppressed(
    client: TestClient, seeded: Services, staff: Staff, clock: FakeClock
) -> None:
    """12 on restricted duties over sexual misconduct (one more was lifted in September) and 3 suspended."""
    summary = seeded.statistics.annual_report(2024)
    assert summary.restrictions is not None
    published = {label: str(value) for label, value in summary.restrictions.items()}
    # 3 is too few to publish, and the only other cell goes too: with the total it would give the 3 away.
    assert published == {"restricted duties: sexual misconduct": "[c]", "suspended: discrimination": "[c]"}
    assert str(summary.restrictions.total) == "15"
    with seeded.database.engine.connect() as connection:
        exact = activity.restrictions_by_kind_and_category(connection, date(2024, 12, 31))
        before_lifting = activity.restrictions_by_kind_and_category(connection, date(2024, 8, 31))
        before_start = activity.restrictions_by_kind_and_category(connection, date(2024, 5, 31))
    assert exact == {"restricted duties: sexual misconduct": 12, "suspended: discrimination": 3}
    assert before_lifting == {"restricted duties: sexual misconduct": 13, "suspended: discrimination": 3}
    assert before_start == {}

    analyst = staff.user("analyst", [Role.ANALYST])
    sign_in(client, clock, analyst, "/staff/statistics")
    page = client.get("/staff/statistics").text
    assert "Suspended or on restricted duties today" in page
    assert "restricted duties: sexual misconduct" in page
    section = page.split('id="restrictions"', 1)[1]
    assert ">3<" not in section
    assert ">12<" not in section
