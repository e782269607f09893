"""The action server as ``make run`` starts it: ``python -m actions.server [--port N]``.

rasa_sdk's own ``python -m rasa_sdk`` listens on 0.0.0.0 and answers anyone, and a forged tracker
posted to it is enough to make the actions fetch a customer's orders with the backend token. This
entry point serves the same rasa_sdk app, but on ``BOT_HOST`` only, and every call except
``/health`` must carry ``Authorization: Bearer $ACTION_SERVER_TOKEN`` (Rasa sends it from
endpoints.yml). It refuses to start without a token: ``make run`` always generates one.
"""

from __future__ import annotations

import argparse
import hmac
import logging

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.body_limit import refuse_large_bodies
from actions.settings import get_settings

logger = logging.getLogger(__name__)
PUBLIC_PATHS = frozenset({"/health"})


def require_token(app: Sanic, token: str) -> None:
    """Answer 401 to every request without the bearer token, compared in constant time."""
    expected = f"Bearer {token}".encode()

    @app.middleware("request")
    async def check_token(request: Request) -> HTTPResponse | None:
        if request.path in PUBLIC_PATHS:
            return None
        supplied = request.headers.get("Authorization", "").encode()
        if hmac.compare_digest(supplied, expected):
            return None
        logger.warning("refused an action-server call without a valid token from %s", request.ip)
        return response.json(
            {"error": "unauthorized", "message": "a valid action-server token is required"},
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )


def build_app(actions_package: str, token: str, max_body_bytes: int) -> Sanic:
    """rasa_sdk's app without CORS (only Rasa calls it), behind the token and the body limit."""
    if not token:
        raise SystemExit(
            "ACTION_SERVER_TOKEN is empty: the action server will not run without its secret "
            "(`python -m bot prepare` writes one to .env)"
        )
    app = create_app(actions_package, cors_origins=None)
    require_token(app, token)
    refuse_large_bodies(app, max_body_bytes)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    return app


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(description="the project's action server")
    parser.add_argument("--port", type=int, default=settings.server_port)
    parser.add_argument("--actions", default="actions", help="package with the actions")
    utils.add_logging_level_option_arguments(parser)
    args = parser.parse_args()
    utils.configure_colored_logging(args.loglevel)
    utils.update_sanic_log_level()
    app = build_app(args.actions, settings.server_token, settings.max_body_bytes)
    logger.info("action server on http://%s:%s", settings.server_host, args.port)
    app.run(settings.server_host, args.port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
