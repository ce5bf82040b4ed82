"""The composition root: `create_app(config)` builds one worker's app and its PlanLedger.

Nothing connects at import time; gunicorn calls the factory in each worker after the fork.
"""

from __future__ import annotations

from flask import Flask, request

from services.config import Config, ConfigError
from services.http import corrections, cycle, entries, evidence, feeds, plans, readside, service
from services.http.auth import current_identity, require_writer
from services.http.docs import add_bearer_security, configure_docs
from services.http.domain_errors import register_domain_error_handlers
from services.http.errors import OnePlanApi, register_error_handlers
from services.http.guards import BODY_METHODS, install_request_guards
from services.http.metrics import install_metrics
from services.http.request_id import install_request_ids
from services.ledger import PlanLedger
from services.projector import ledger_views
from services.relay import RelayProgress
from services.relay_kafka import KafkaProbe

WRITE_METHODS = BODY_METHODS | {"DELETE"}


def create_app(config: Config | None = None, ledger: PlanLedger | None = None) -> Flask:
    config = config or Config.from_env()
    if not config.jwt_secret:
        raise ConfigError("ONEPLAN_JWT_SECRET is not set (`oneplan serve` generates one)")
    app = Flask("oneplan")
    app.config.update(
        API_TITLE="One Plan Ledger",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        ONEPLAN_JWT_SECRET=config.jwt_secret,
        ONEPLAN_VIEW_LAG_MAX=config.view_lag_max,
        ONEPLAN_RELAY_LAG_MAX=config.relay_lag_max,
        ONEPLAN_READYZ_KAFKA=config.readyz_kafka,
        JSON_SORT_KEYS=False,
    )
    app.extensions["oneplan.ledger"] = ledger or PlanLedger(env=config.store_env())
    app.extensions["oneplan.views"] = ledger_views(app.extensions["oneplan.ledger"])
    if config.kafka_bootstrap_servers:
        app.extensions["oneplan.relay"] = RelayProgress(app.extensions["oneplan.ledger"])
        app.extensions["oneplan.kafka"] = KafkaProbe(config.kafka_bootstrap_servers)
    install_request_ids(app)  # first: the id and the clock exist before any hook can refuse
    install_metrics(app)
    app.before_request(_identify_caller)
    install_request_guards(app)
    configure_docs(app)
    api = OnePlanApi(app)
    add_bearer_security(api.spec)
    register_error_handlers(app)
    register_domain_error_handlers(app)
    for module in (plans, readside, entries, cycle, corrections, feeds, evidence, service):
        api.register_blueprint(module.blp)
    return app


def _identify_caller() -> None:
    """Every /v1 call needs a valid token; writes need a role that may write (401, then 403)."""
    if not request.path.startswith("/v1/") or request.routing_exception is not None:
        return
    if request.method in WRITE_METHODS:
        require_writer()
    else:
        current_identity()
