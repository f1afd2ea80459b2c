"""/openapi.json says how the API really answers: who may call what, and every error as problem+json."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from upstander import access
from upstander.web.openapi import PROBLEM_MEDIA_TYPE, REPORTER_BEARER, RULES_BEYOND_SCHEMA, STAFF_BEARER


@pytest.fixture
def described(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    schema: dict[str, Any] = response.json()
    return schema


def operations(described: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in described["paths"].items()
        for method, operation in item.items()
    ]


def test_both_bearer_schemes_are_declared(described: dict[str, Any]) -> None:
    schemes = described["components"]["securitySchemes"]
    assert {name: (s["type"], s["scheme"]) for name, s in schemes.items()} == {
        STAFF_BEARER: ("http", "bearer"),
        REPORTER_BEARER: ("http", "bearer"),
    }


def test_each_operation_asks_for_the_token_its_access_row_needs(described: dict[str, Any]) -> None:
    for method, path, operation in operations(described):
        rule = access.route_rule(method, path)
        assert rule is not None, (method, path)
        security = operation.get("security")
        if rule.audience is access.Audience.STAFF:
            expected: Any = [{STAFF_BEARER: []}]
        elif rule.audience is access.Audience.REPORTER:
            expected = [{REPORTER_BEARER: []}]
        elif rule.action is not None:
            expected = [{}, {STAFF_BEARER: []}]
        else:
            expected = None
        assert security == expected, (method, path)
        if security:
            assert "401" in operation["responses"], (method, path)
        if rule.action is not None:
            assert "403" in operation["responses"], (method, path)
        if rule.scope is not access.Scope.NONE:
            assert "404" in operation["responses"], (method, path)


def test_every_error_is_documented_as_problem_json(described: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in json.dumps(described)
    for method, path, operation in operations(described):
        errors = {status: answer for status, answer in operation["responses"].items() if status >= "400"}
        assert "503" in errors, (method, path)
        if operation.get("requestBody") or operation.get("parameters"):
            assert "422" in errors, (method, path)
        for status, answer in errors.items():
            assert answer["content"] == {
                PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
            }, (method, path, status)
    problem = described["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance", "code"}


def test_waits_are_documented_as_retry_after(described: dict[str, Any]) -> None:
    for method, path, operation in operations(described):
        for status in ("429", "503"):
            if status in operation["responses"]:
                assert "Retry-After" in operation["responses"][status]["headers"], (method, path, status)


def test_attachments_are_documented_as_the_files_they_are(described: dict[str, Any]) -> None:
    for path in (
        "/api/v1/reporter/attachments/{attachment_id}",
        "/api/v1/reports/{report_id}/attachments/{attachment_id}",
    ):
        content = described["paths"][path]["get"]["responses"]["200"]["content"]
        assert "application/octet-stream" in content
        assert "application/json" not in content


def test_rules_beyond_the_schema_are_said_in_words(described: dict[str, Any]) -> None:
    marked = [
        (method, path, op[RULES_BEYOND_SCHEMA])
        for method, path, op in operations(described)
        if RULES_BEYOND_SCHEMA in op
    ]
    assert marked
    for method, path, rules in marked:
        assert rules, (method, path)
        assert all(isinstance(rule, str) and rule for rule in rules), (method, path)
        assert "422" in described["paths"][path][method.lower()]["responses"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("TRACE", "/api/v1/auth/token", "DELETE, POST"),
        ("PUT", "/api/v1/cases", "GET, POST"),
        ("DELETE", "/api/v1/reports", "POST"),
        ("PUT", "/staff/cases", "GET, POST"),
    ],
)
def test_a_method_not_allowed_says_which_are(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    if path.startswith("/api/"):
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert response.json()["status"] == 405
