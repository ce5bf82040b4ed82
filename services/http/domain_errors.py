"""The domain's and the ledger's refusals, answered in the one error shape."""

from __future__ import annotations

from flask import Flask, Response, jsonify

from domain.errors import EntryNotFound, InvalidEntry, RuleViolation
from services.http.errors import error_body
from services.http.metrics import count_refusal
from services.http.preconditions import format_etag
from services.ledger import PlanNotFound, StaleVersion


def _reply(code: int, status: str, message: str, errors: dict | None = None) -> Response:
    response = jsonify(error_body(code, status, message, errors))
    response.status_code = code
    return response


def _rule_violation(error: RuleViolation) -> Response:
    count_refusal(error.rule)
    return _reply(
        409, "Conflict", error.message, {"rule": error.rule, "paragraph": error.paragraph}
    )


def _invalid_entry(error: InvalidEntry) -> Response:
    return _reply(422, "Unprocessable Entity", str(error), {error.field: [error.message]})


def _not_found(error: PlanNotFound | EntryNotFound) -> Response:
    return _reply(404, "Not Found", str(error))


def _stale(error: StaleVersion) -> Response:
    response = _reply(412, "Precondition Failed", str(error))
    if error.actual is not None:
        response.headers["ETag"] = format_etag(error.actual)
    return response


def register_domain_error_handlers(app: Flask) -> None:
    app.register_error_handler(RuleViolation, _rule_violation)
    app.register_error_handler(InvalidEntry, _invalid_entry)
    app.register_error_handler(PlanNotFound, _not_found)
    app.register_error_handler(EntryNotFound, _not_found)
    app.register_error_handler(StaleVersion, _stale)
