"""The HTML pages without a browser: forms, CSRF, errors that lose nothing, sessions that end."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from common.clock import FakeClock
from common.pages import sign_in
from common.staff import PASSWORD, Staff
from upstander.accounts.models import Role
from upstander.reports.models import Report
from upstander.services import Services

REPORT_FORM = {
    "category": "bullying",
    "relation": "victim",
    "what_happened": "My supervisor humiliates me in every briefing.",
    "when": "since May",
    "where": "Briefing room",
    "subject_name": ["Insp. Example", "", ""],
    "subject_staff_number": ["", "", ""],
    "subject_unit": ["Response B", "", ""],
    "identity_choice": "anonymous",
}


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def submission_token(html: str) -> str:
    match = re.search(r'name="submission_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def reports_stored(services: Services) -> int:
    with services.database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Report)) or 0)


def fill_report_form(client: TestClient, **overrides: object) -> dict[str, object]:
    page = client.get("/report").text
    return {**REPORT_FORM, "csrf_token": csrf(page), "submission_token": submission_token(page), **overrides}


def test_every_page_sends_a_strict_content_security_policy(client: TestClient) -> None:
    for path in ("/", "/report", "/follow-up", "/staff/sign-in", "/privacy"):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"


def test_the_report_form_is_plain_html_that_works_without_javascript(client: TestClient) -> None:
    html = client.get("/report").text
    assert '<form method="post" action="/report" enctype="multipart/form-data" autocomplete="off">' in html
    assert "<script" not in html.split("</head>", 1)[1], "no script is needed in the page body"


def test_submitting_the_form_shows_the_receipt_once(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    response = client.post("/report", data=fill_report_form(client))
    assert response.status_code == 201
    key = re.search(r'id="receipt-key">([0-9A-Z-]+)<', response.text)
    assert key is not None
    assert reports_stored(services) == 1


def test_a_double_submitted_form_makes_one_report_and_the_same_receipt(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    form = fill_report_form(client)
    first = client.post("/report", data=form)
    second = client.post("/report", data=form)
    key = re.compile(r'id="receipt-key">([0-9A-Z-]+)<')
    first_key, second_key = key.search(first.text), key.search(second.text)
    assert first_key
    assert second_key
    assert first_key.group(1) == second_key.group(1)
    assert reports_stored(services) == 1


def test_the_form_sent_again_later_is_refused_kindly_and_makes_no_second_report(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    staff.handler()
    form = fill_report_form(client)
    first = client.post("/report", data=form)
    assert first.status_code == 201
    assert first.headers["cache-control"] == "no-store"
    receipt_key = re.search(r'id="receipt-key">([0-9A-Z-]+)<', first.text)
    assert receipt_key

    clock.advance(minutes=3)
    again = client.post("/report", data=form)
    assert again.status_code == 409
    assert again.headers["cache-control"] == "no-store"
    assert "This report has already been sent" in again.text
    assert 'href="/follow-up"' in again.text
    assert receipt_key.group(1) not in again.text, "the next person at the computer is not shown the key"
    assert reports_stored(services) == 1


def test_the_form_changed_and_sent_with_a_spent_token_makes_no_second_report(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    form = fill_report_form(client)
    assert client.post("/report", data=form).status_code == 201
    changed = client.post("/report", data={**form, "what_happened": "Something else entirely."})
    assert changed.status_code == 409
    assert "This report has already been sent" in changed.text
    assert reports_stored(services) == 1


def test_a_refused_form_comes_back_with_everything_typed(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    response = client.post("/report", data=fill_report_form(client, category="", what_happened="  "))
    assert response.status_code == 422
    assert "Please choose what the report is about" in response.text
    assert "Please say what happened" in response.text
    assert 'value="Insp. Example"' in response.text
    assert 'value="Briefing room"' in response.text
    assert reports_stored(services) == 0


def test_missing_csrf_token_is_refused_and_nothing_is_stored(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    form = fill_report_form(client)
    del form["csrf_token"]
    response = client.post("/report", data=form)
    assert response.status_code == 403
    assert "Nothing was changed" in response.text
    assert reports_stored(services) == 0


def test_forged_csrf_token_is_refused(client: TestClient, staff: Staff, services: Services) -> None:
    staff.handler()
    response = client.post("/report", data=fill_report_form(client, csrf_token="f" * 64))
    assert response.status_code == 403
    assert reports_stored(services) == 0


def test_a_form_posted_from_another_site_is_refused(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    response = client.post(
        "/report", data=fill_report_form(client), headers={"origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert "another site" in response.text
    assert reports_stored(services) == 0


def test_a_token_from_another_visitor_does_not_work(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    form = fill_report_form(client)
    client.cookies.clear()
    client.get("/")  # a new visitor cookie
    response = client.post("/report", data=form)
    assert response.status_code == 403
    assert reports_stored(services) == 0


def test_reporter_follow_up_pages(client: TestClient, staff: Staff, services: Services) -> None:
    handler = staff.handler()
    page = client.post("/report", data=fill_report_form(client)).text
    found = re.search(r'id="receipt-key">([0-9A-Z-]+)<', page)
    assert found
    receipt_key = found.group(1)

    wrong = client.post(
        "/follow-up", data={"csrf_token": csrf(client.get("/follow-up").text), "receipt_key": "AAAA-AAAA"}
    )
    assert wrong.status_code == 401
    assert "A receipt key has 28 letters and numbers" in wrong.text
    assert "What you typed has 8." in wrong.text
    mistyped = client.post(
        "/follow-up",
        data={
            "csrf_token": csrf(client.get("/follow-up").text),
            "receipt_key": "0000-0000-0000-0000-0000-0000-0000",
        },
    )
    assert mistyped.status_code == 401
    assert "does not open a report" in mistyped.text

    signed_in = client.post(
        "/follow-up",
        data={"csrf_token": csrf(client.get("/follow-up").text), "receipt_key": receipt_key},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    report_page = client.get("/follow-up/report")
    assert "My supervisor humiliates me" in report_page.text
    sent = client.post(
        "/follow-up/report/messages",
        data={"csrf_token": csrf(report_page.text), "text": "Another incident today."},
    )
    assert sent.status_code == 200
    assert "Another incident today." in sent.text

    headers = staff.api_headers(client, handler)
    [item] = client.get("/api/v1/inbox", headers=headers).json()
    messages = client.get(f"/api/v1/reports/{item['id']}", headers=headers).json()["messages"]
    assert messages[0]["text"] == "Another incident today."


def test_staff_pages_need_sign_in_and_an_ended_session_goes_back_to_it(
    client: TestClient, staff: Staff, clock: FakeClock
) -> None:
    handler = staff.handler()
    redirected = client.get("/staff/inbox", follow_redirects=False)
    assert redirected.status_code == 303
    assert redirected.headers["location"].startswith("/staff/sign-in")

    clock.advance(seconds=30)
    signed_in = client.post(
        "/staff/sign-in",
        data={
            "csrf_token": csrf(client.get("/staff/sign-in").text),
            "username": "handler",
            "password": PASSWORD,
            "totp_code": handler.code(clock),
            "next": "/staff/inbox",
        },
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/staff/inbox"
    assert client.get("/staff/inbox").status_code == 200

    clock.advance(minutes=31)
    ended = client.get("/staff/inbox", follow_redirects=False)
    assert ended.status_code == 303
    assert "ended=1" in ended.headers["location"]
    assert "Your session has ended" in client.get(ended.headers["location"]).text


def test_a_wrong_sign_in_keeps_the_username_and_says_nothing_more(client: TestClient, staff: Staff) -> None:
    staff.handler()
    response = client.post(
        "/staff/sign-in",
        data={
            "csrf_token": csrf(client.get("/staff/sign-in").text),
            "username": "handler",
            "password": "not the password",
            "totp_code": "123456",
        },
    )
    assert response.status_code == 401
    assert "The username, password or code is not right." in response.text
    assert 'value="handler"' in response.text


def test_sign_in_never_redirects_off_site(client: TestClient, staff: Staff, clock: FakeClock) -> None:
    handler = staff.handler()
    clock.advance(seconds=30)
    response = client.post(
        "/staff/sign-in",
        data={
            "csrf_token": csrf(client.get("/staff/sign-in").text),
            "username": "handler",
            "password": PASSWORD,
            "totp_code": handler.code(clock),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/staff"


def test_a_page_error_is_a_plain_message(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.text
    assert "Traceback" not in response.text


def test_api_docs_are_served_from_this_site_only(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert 'src="/static/vendor/swagger-ui/swagger-ui-bundle.js"' in docs.text
    assert "http" not in docs.text.split("<body>", 1)[1], "no third-party origin"
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/v1/reports" in spec["paths"]
    assert "/api/v1/auth/token" in spec["paths"]


def test_the_optional_equality_answers_on_the_form_are_checked_and_kept(
    client: TestClient, staff: Staff, services: Services
) -> None:
    from upstander.cases.models import Complainant

    staff.handler()
    refused = client.post("/report", data=fill_report_form(client, about_age="twenty", about_sex="female"))
    assert refused.status_code == 422
    assert "Give your age in years, or leave it empty." in refused.text
    assert reports_stored(services) == 0
    sent = client.post("/report", data=fill_report_form(client, about_age="34", about_sex="female"))
    assert sent.status_code == 201
    with services.database.transaction() as session:
        [row] = session.scalars(select(Complainant)).all()
    assert (row.sex, row.age) == ("female", 34)


def test_a_form_sent_back_names_every_wrong_field_in_an_error_summary(client: TestClient) -> None:
    """The GOV.UK pattern without a browser's help: each mistake a link to its field, radio groups
    marked invalid, the folded section that holds a mistake open."""
    sent = fill_report_form(client, category="", relation="", about_age="forty")
    response = client.post("/report", data=sent)
    assert response.status_code == 422
    html = response.text
    summary = html.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    links = re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', summary)
    assert [target for target, _ in links] == ["category-0", "relation-victim", "about_age"]
    assert 'id="category-0" name="category"' in html
    assert html.count('name="category"') == html.count('name="category" value="') > 1
    category_radios = re.findall(r'<input type="radio" id="category-\d+" name="category"[^>]*>', html)
    assert category_radios, "every category radio has an id"
    assert all('aria-invalid="true"' in radio for radio in category_radios)
    assert re.search(r"<details open>\s*<summary>About you", html)
    assert 'aria-describedby="category-error"' in html


def test_a_phone_report_sent_again_later_is_refused_and_makes_no_second_report(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    staff.handler()
    operator = staff.user("operator", [Role.OPERATOR])
    token = sign_in(client, clock, operator, "/staff/phone-report")
    page = client.get("/staff/phone-report").text
    form = {
        **REPORT_FORM,
        "csrf_token": token,
        "submission_token": submission_token(page),
        "channel": "phone",
    }
    assert client.post("/staff/phone-report", data=form).status_code == 201
    clock.advance(minutes=3)
    again = client.post("/staff/phone-report", data=form)
    assert again.status_code == 409
    assert "This report has already been sent" in again.text
    assert 'href="/staff/phone-report"' in again.text
    assert reports_stored(services) == 1
