"""HTTP plumbing (auth, error shape, body guards, If-Match, docs) on a tiny flask-smorest app."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Iterator
from typing import Any

import jwt
import marshmallow as ma
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.test import EnvironBuilder, run_wsgi_app

from services.http.auth import Identity, current_identity, mint_token, require_writer
from services.http.docs import add_bearer_security, configure_docs
from services.http.domain_errors import register_domain_error_handlers
from services.http.errors import OnePlanApi, register_error_handlers
from services.http.guards import install_request_guards
from services.http.preconditions import format_etag, required_if_match
from services.ledger import StaleVersion

SECRET = "unit-test-secret-" + "s" * 64  # long enough that HS512 (wrong-alg case) does not warn
CURRENT_VERSION = 3


class NoteSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    text = ma.fields.String(required=True)


class NoteQuerySchema(ma.Schema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


class NoteOutSchema(ma.Schema):
    text = ma.fields.String()
    by = ma.fields.String()
    version = ma.fields.Integer()


def build_app() -> Flask:
    app = Flask("plumbing_test")
    app.config.update(
        API_TITLE="Plumbing", API_VERSION="1", OPENAPI_VERSION="3.1.0", ONEPLAN_JWT_SECRET=SECRET
    )
    configure_docs(app)
    api = OnePlanApi(app)
    register_error_handlers(app)
    register_domain_error_handlers(app)
    install_request_guards(app)
    add_bearer_security(api.spec)
    blp = Blueprint("notes", __name__, url_prefix="/notes")

    @blp.route("")
    class Notes(MethodView):
        @blp.arguments(NoteQuerySchema, location="query")
        @blp.response(200, NoteOutSchema(many=True))
        def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
            """Read the notes."""
            current_identity()
            return []

        @blp.arguments(NoteSchema)
        @blp.response(200, NoteOutSchema)
        def post(self, note: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
            """Write a note on top of the current version."""
            writer = require_writer()
            expected = required_if_match()
            if expected != CURRENT_VERSION:  # as the ledger refuses a stale append
                raise StaleVersion(expected, CURRENT_VERSION)
            body = {"text": note["text"], "by": writer.id, "version": expected + 1}
            return body, {"ETag": format_etag(expected + 1)}

    @blp.route("/boom")
    class Boom(MethodView):
        def get(self) -> None:
            """Fail unexpectedly."""
            raise RuntimeError("password=hunter2 at db.internal:5432")

    api.register_blueprint(blp)
    return app


@pytest.fixture
def client() -> Iterator[FlaskClient]:
    yield build_app().test_client()


def bearer(role: str = "senco", secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(secret, 'u-1', 'Sam Senco', role, 60)}"}


def raw_token(claims: dict[str, Any], algorithm: str = "HS256") -> dict[str, str]:
    key: Any = None if algorithm == "none" else SECRET  # alg "none" takes no key
    token = jwt.encode(claims, key, algorithm=algorithm)
    return {"Authorization": f"Bearer {token}"}


def good_claims(**changes: Any) -> dict[str, Any]:
    claims = {"sub": "u-1", "name": "Sam", "role": "senco", "exp": int(time.time()) + 60}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def write(client: FlaskClient, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
    all_headers = {**bearer(), "If-Match": '"3"', **(headers or {})}
    kwargs.setdefault("json", {"text": "hello"})
    return client.post("/notes", headers=all_headers, **kwargs)


def assert_error_shape(response: Any, code: int) -> dict[str, Any]:
    body = response.get_json()
    assert response.status_code == code, body
    assert response.mimetype == "application/json"
    assert set(body) <= {"code", "status", "message", "errors"}
    assert body["code"] == code and body["status"] and body["message"]
    return body  # type: ignore[no-any-return]


# Identity: 401 for anything that does not prove who is calling ---------------------------


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, id="basic-scheme"),
        pytest.param({"Authorization": "Bearer"}, id="empty-bearer"),
        pytest.param({"Authorization": "Bearer not-a-jwt"}, id="malformed"),
        pytest.param(bearer(secret="another-secret-" + "s" * 64), id="bad-signature"),
        pytest.param(raw_token(good_claims(exp=int(time.time()) - 10)), id="expired"),
        pytest.param(raw_token(good_claims(nbf=int(time.time()) + 600)), id="not-yet-valid"),
        pytest.param(raw_token(good_claims(name=None)), id="no-name"),
        pytest.param(raw_token(good_claims(role=None)), id="no-role"),
        pytest.param(raw_token(good_claims(exp=None)), id="no-exp"),
        pytest.param(raw_token(good_claims(name="  ")), id="blank-name"),
        pytest.param(raw_token(good_claims(), algorithm="HS512"), id="hs512"),
        pytest.param(raw_token(good_claims(), algorithm="none"), id="alg-none"),
    ],
)
def test_a_request_without_a_valid_bearer_token_is_refused_with_401(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    response = client.get("/notes", headers=headers)
    assert_error_shape(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_is_named_as_expired(client: FlaskClient) -> None:
    response = client.get("/notes", headers=raw_token(good_claims(exp=int(time.time()) - 10)))
    assert "expired" in response.get_json()["message"]


@pytest.mark.parametrize("role", ["inspector", "parent_carer"])
def test_read_only_roles_may_read_but_not_write(client: FlaskClient, role: str) -> None:
    assert client.get("/notes", headers=bearer(role)).status_code == 200
    body = assert_error_shape(write(client, headers=bearer(role)), 403)
    assert role in body["message"]


def test_a_role_the_ledger_does_not_know_is_forbidden_even_to_read(client: FlaskClient) -> None:
    assert_error_shape(client.get("/notes", headers=raw_token(good_claims(role="janitor"))), 403)


def test_a_writer_with_the_current_etag_writes_and_gets_the_next_etag(client: FlaskClient) -> None:
    response = write(client)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"text": "hello", "by": "u-1", "version": 4}
    assert response.headers["ETag"] == '"4"'


def test_identity_says_who_may_write() -> None:
    assert Identity("u", "Sam", "senco").can_write
    assert not Identity("u", "Pat", "parent_carer").can_write


def test_mint_token_refuses_unknown_roles_and_non_positive_lifetimes() -> None:
    with pytest.raises(ValueError):
        mint_token(SECRET, "u", "Sam", "janitor", 60)
    with pytest.raises(ValueError):
        mint_token(SECRET, "u", "Sam", "senco", 0)


# Bodies: 415, 400, 413, 422 -------------------------------------------------------------


def test_a_body_that_is_not_declared_json_answers_415(client: FlaskClient) -> None:
    plain = write(client, json=None, data="hello", content_type="text/plain")
    form = write(client, json=None, data={"text": "hello"})
    assert_error_shape(plain, 415)
    assert_error_shape(form, 415)


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/merge-patch+json"]
)
def test_json_content_types_with_parameters_or_suffixes_are_accepted(
    client: FlaskClient, content_type: str
) -> None:
    response = write(client, json=None, data='{"text": "hi"}', content_type=content_type)
    assert response.status_code == 200, response.get_json()


def test_malformed_json_answers_400(client: FlaskClient) -> None:
    response = write(client, json=None, data='{"text": ', content_type="application/json")
    assert "malformed JSON" in assert_error_shape(response, 400)["message"]


def test_a_body_over_256_kib_answers_413(client: FlaskClient) -> None:
    assert_error_shape(write(client, json={"text": "x" * 300 * 1024}), 413)


def post_chunked(body: bytes) -> tuple[str, dict[str, Any]]:
    """POST as a server hands over a chunked body: no Content-Length, input terminated."""
    headers = {**bearer(), "If-Match": '"3"', "Transfer-Encoding": "chunked"}
    builder = EnvironBuilder(
        path="/notes", method="POST", headers=list(headers.items()), content_type="application/json"
    )
    environ = builder.get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True})
    app_iter, status, _headers = run_wsgi_app(build_app().wsgi_app, environ, buffered=True)
    return status, json.loads(b"".join(app_iter))


def test_a_chunked_body_over_256_kib_without_content_length_answers_413() -> None:
    # werkzeug would hand the view the first 256 KiB of it, which can even be valid JSON.
    status, body = post_chunked(b'{"text": "hi"}' + b" " * 300 * 1024)
    assert status.startswith("413") and body["code"] == 413


def test_a_chunked_body_of_exactly_256_kib_is_accepted() -> None:
    status, body = post_chunked(b'{"text": "hi"}'.ljust(256 * 1024))
    assert status.startswith("200"), body


def test_a_json_value_that_is_not_an_object_answers_422(client: FlaskClient) -> None:
    body = assert_error_shape(write(client, json=["hello"]), 422)
    assert body["errors"] == {"_schema": ["The request body must be a JSON object."]}


def test_an_unknown_field_answers_422_with_field_messages(client: FlaskClient) -> None:
    body = assert_error_shape(write(client, json={"text": "hi", "colour": "red"}), 422)
    assert body["errors"] == {"colour": ["Unknown field."]}
    assert body["message"] == "Invalid request body: see errors."


def test_an_invalid_query_answers_422_with_field_messages(client: FlaskClient) -> None:
    body = assert_error_shape(client.get("/notes?limit=201", headers=bearer()), 422)
    assert body["message"] == "Invalid query parameters: see errors."
    assert list(body["errors"]) == ["limit"]


# If-Match: 428 and 412 ------------------------------------------------------------------


def test_a_write_without_if_match_answers_428(client: FlaskClient) -> None:
    response = client.post("/notes", headers=bearer(), json={"text": "hi"})
    assert "If-Match required" in assert_error_shape(response, 428)["message"]


@pytest.mark.parametrize("if_match", ["*", 'W/"3"', "3", '"3", "4"', '"three"', '"-1"'])
def test_an_if_match_that_is_not_one_strong_version_tag_answers_412(
    client: FlaskClient, if_match: str
) -> None:
    assert_error_shape(write(client, headers={"If-Match": if_match}), 412)


def test_a_stale_if_match_answers_412_with_the_current_etag(client: FlaskClient) -> None:
    response = write(client, headers={"If-Match": '"2"'})
    assert_error_shape(response, 412)
    assert response.headers["ETag"] == '"3"'


# Errors of the framework itself ---------------------------------------------------------


def test_an_unknown_route_answers_404_in_the_error_shape(client: FlaskClient) -> None:
    assert_error_shape(client.get("/nowhere"), 404)
    assert_error_shape(client.post("/nowhere", data="x", content_type="text/plain"), 404)


def test_a_wrong_method_answers_405_with_allow(client: FlaskClient) -> None:
    response = client.delete("/notes", headers=bearer())
    assert_error_shape(response, 405)
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_exception_answers_a_generic_500_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = build_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/notes/boom")
    body = assert_error_shape(response, 500)
    assert "hunter2" not in response.get_data(as_text=True) and "errors" not in body
    assert "hunter2" in caplog.text


# Docs -----------------------------------------------------------------------------------


def test_swagger_ui_is_served_from_this_app_only(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert not re.search(r"(src|href)=\"https?://", html)
    assert "validatorUrl" in html
    for asset in re.findall(r"(?:src|href)=\"(/docs/static/[^\"]+)\"", html):
        assert client.get(asset).status_code == 200, asset
    assert "/docs/static/swagger-ui-bundle.js" in html


def test_only_swagger_ui_assets_are_served(client: FlaskClient) -> None:
    assert_error_shape(client.get("/docs/static/index.html"), 404)
    assert_error_shape(client.get("/docs/static/../auth.py"), 404)


def test_the_openapi_spec_is_served_with_the_bearer_scheme(client: FlaskClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert "/notes" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]
