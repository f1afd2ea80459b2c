"""Welsh and English: the language switch, and no English left on a Welsh public page.

The Welsh Language Standards ask that a public body's services in Wales be offered in Welsh, and
that the Welsh be no worse than the English. These tests walk the reporter's pages in Welsh and
look for any English sentence of the catalogue that was left untranslated.
"""

from __future__ import annotations

import re
from functools import cache
from html import unescape
from html.parser import HTMLParser

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from common.staff import Staff
from common.statistics import seed
from functional.test_pages import csrf, fill_report_form
from upstander.i18n import FLUENT_REVIEW, LOCALE_DIR
from upstander.services import Services

WELSH_CATALOGUE = LOCALE_DIR / "cy" / "LC_MESSAGES" / "messages.po"


@cache
def catalogue() -> Catalog:
    with WELSH_CATALOGUE.open("rb") as file:
        return read_po(file)


class PageText(HTMLParser):
    """Each run of text a person reads, and the words of attributes read aloud or shown."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        for name, value in attrs:
            if name in ("placeholder", "alt", "title", "aria-label") and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.texts.append(" ".join(data.split()))


def page_text(html: str) -> tuple[list[str], str]:
    parser = PageText()
    parser.feed(html)
    without_tags = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    return parser.texts, without_tags


def untranslated_english(html: str) -> list[str]:
    """The catalogue's English messages that appear on the page as English: a short one as a whole
    run of text, a sentence anywhere. A message whose Welsh is the same word (a reference
    pattern, "Person") cannot be told apart and is left out."""
    texts, whole = page_text(html)
    found = []
    for message in catalogue():
        if not message.id or isinstance(message.id, tuple) or message.string == message.id:
            continue
        if re.search(r"%\(|\{", message.id):
            english_parts = [
                part.strip()
                for part in re.split(r"%\([a-z_]+\)s|\{[^}]*\}|<[^>]+>", message.id.replace("%%", "%"))
            ]
            longest = max(english_parts, key=len)
            if len(longest) >= 20 and longest in whole:
                found.append(message.id)
            continue
        english = " ".join(re.sub(r"<[^>]+>", " ", message.id.replace("%%", "%")).split())
        if english in texts or (len(english) >= 30 and english in whole):
            found.append(message.id)
    return found


def in_welsh(client: TestClient) -> None:
    """Choose Welsh as a person does: follow the switch once, and the cookie keeps it."""
    assert client.get("/?lang=cy").status_code == 200


def test_every_message_has_welsh_and_the_ones_to_check_are_marked_in_the_catalogue() -> None:
    messages = [message for message in catalogue() if message.id]
    untranslated = [
        message.id
        for message in messages
        if not (all(message.string) if isinstance(message.string, tuple) else message.string)
    ]
    assert untranslated == []
    flagged = [message for message in messages if FLUENT_REVIEW in message.user_comments]
    assert flagged, "the messages whose Welsh wants a fluent reviewer are marked"
    assert not [message.id for message in messages if message.fuzzy], "no guessed (fuzzy) translations"


def test_a_link_chooses_welsh_and_the_cookie_keeps_it(client: TestClient) -> None:
    english = client.get("/")
    assert '<html lang="en">' in english.text
    assert 'href="/?lang=cy"' in english.text
    assert ">Cymraeg</a>" in english.text

    chosen = client.get("/?lang=cy")
    assert '<html lang="cy">' in chosen.text
    assert "Rhoi gwybod am gamymddwyn gan gydweithiwr" in chosen.text
    assert "upstander-lang=cy" in chosen.headers["set-cookie"]
    assert chosen.headers["content-language"] == "cy"

    later = client.get("/privacy")
    assert '<html lang="cy">' in later.text
    assert 'href="/privacy?lang=en"' in later.text
    assert ">English</a>" in later.text

    back = client.get("/report?lang=en")
    assert '<html lang="en">' in back.text
    assert "upstander-lang=en" in back.headers["set-cookie"]


def test_the_browser_language_decides_until_a_choice_is_made(client: TestClient) -> None:
    assert '<html lang="cy">' in client.get("/", headers={"accept-language": "cy-GB,cy;q=0.9,en;q=0.5"}).text
    assert '<html lang="en">' in client.get("/", headers={"accept-language": "en-GB,cy;q=0.5"}).text
    assert '<html lang="en">' in client.get("/", headers={"accept-language": "fr, de;q=0.5"}).text
    client.get("/?lang=en")
    assert '<html lang="en">' in client.get("/", headers={"accept-language": "cy"}).text


def test_a_link_keeps_the_other_query_parameters(client: TestClient) -> None:
    page = client.get("/follow-up?ended=1")
    assert 'href="/follow-up?ended=1&amp;lang=cy"' in page.text


PUBLIC_PAGES = ["/", "/privacy", "/report", "/follow-up", "/follow-up?ended=1", "/staff/sign-in"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_a_public_page_in_welsh_has_no_english_left(client: TestClient, staff: Staff, path: str) -> None:
    staff.handler()
    in_welsh(client)
    page = client.get(path)
    assert '<html lang="cy">' in page.text
    assert untranslated_english(page.text) == []


def test_the_untranslated_check_finds_english(client: TestClient) -> None:
    """The check itself: the English page is full of the catalogue's English."""
    found = untranslated_english(client.get("/report").text)
    assert "Send report" in found
    assert "What happened?" in found


def test_a_reporter_in_welsh_reports_keeps_the_receipt_and_follows_up(
    client: TestClient, staff: Staff
) -> None:
    staff.handler()
    in_welsh(client)
    refused = client.post("/report", data=fill_report_form(client, what_happened="  "))
    assert refused.status_code == 422
    assert "Dywedwch beth ddigwyddodd" in refused.text
    assert untranslated_english(refused.text) == []

    receipt = client.post("/report", data=fill_report_form(client))
    assert "Mae eich adroddiad wedi dod i law" in receipt.text
    assert untranslated_english(receipt.text) == []
    found = re.search(r'id="receipt-key">([0-9A-Z-]+)<', receipt.text)
    assert found

    wrong = client.post(
        "/follow-up",
        data={
            "csrf_token": csrf(client.get("/follow-up").text),
            "receipt_key": "0000-0000-0000-0000-0000-0000-0000",
        },
    )
    assert "Nid yw'r allwedd derbynneb honno'n agor adroddiad" in unescape(wrong.text)
    assert untranslated_english(wrong.text) == []

    client.post(
        "/follow-up", data={"csrf_token": csrf(client.get("/follow-up").text), "receipt_key": found.group(1)}
    )
    report_page = client.get("/follow-up/report")
    assert "Bwlio" in report_page.text
    assert "Byddwn yn ei gydnabod erbyn" in report_page.text
    assert untranslated_english(report_page.text) == []

    empty = client.post(
        "/follow-up/report/messages", data={"csrf_token": csrf(report_page.text), "text": " "}
    )
    assert "Ysgrifennwch neges neu ychwanegwch ffeil." in empty.text
    assert untranslated_english(empty.text) == []


def test_an_error_page_in_welsh(client: TestClient) -> None:
    in_welsh(client)
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert "Nid oes dim yn y cyfeiriad hwn." in missing.text
    assert untranslated_english(missing.text) == []


def test_the_api_answers_in_the_language_asked_for(client: TestClient) -> None:
    problem = client.get("/api/v1/inbox", headers={"accept-language": "cy"}).json()
    assert problem["title"] == "Mewngofnodwch"


def test_the_transparency_page_in_welsh_has_no_english_left(client: TestClient, services: Services) -> None:
    """The page's words, its tables' stages, bands and measures, and the readings of the rates.
    The groups' names (White, Asian…) are the staff records' own values and stay as recorded."""
    seed(services)
    in_welsh(client)
    page = client.get("/transparency")
    assert page.status_code == 200
    shown = unescape(page.text)
    assert "1 Ionawr 2024 i 31 Rhagfyr 2024" in shown
    assert "gwaith mor debygol â" in shown
    assert "dyletswyddau cyfyngedig: camymddwyn rhywiol" in shown
    assert untranslated_english(page.text) == []
    for by in ("sex", "rank"):
        assert untranslated_english(client.get("/transparency", params={"by": by}).text) == []
    annual = client.get("/transparency/report/2024.html")
    assert annual.status_code == 200
    assert "Am yr ystadegau hyn" in annual.text
    assert untranslated_english(annual.text) == []
