"""Argument parsing for ``python -m bot``; each handler imports its subsystem lazily."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path

from bot.settings import PROJECT_ROOT, load_settings

Register = Callable[[argparse._SubParsersAction], None]


def _train(args: argparse.Namespace) -> int:
    from bot.training.model import train
    from bot.training.store import ModelStore

    train(ModelStore.of(load_settings()), force=args.force)
    return 0


def _ready(args: argparse.Namespace) -> int:
    from bot.readiness import report_when_ready

    return asyncio.run(report_when_ready(load_settings(), args.timeout, args.hold))


def _prepare(args: argparse.Namespace) -> int:
    from bot.prepare import prepare

    prepare()
    return 0


def _scale_nginx_conf(args: argparse.Namespace) -> int:
    from bot.deploy.nginx import BalancerLayout, write_nginx_conf

    settings = load_settings()
    layout = BalancerLayout(
        host=settings.host,
        rasa_port=settings.rasa_port,
        action_port=settings.action_port,
        rasa_ports=settings.scale_rasa_ports,
        action_ports=settings.scale_action_ports,
        rasa_api_port=settings.scale_rasa_api_port,
    )
    print(write_nginx_conf(layout, settings.var_dir / "scale"))
    return 0


def _audit(args: argparse.Namespace) -> int:
    from bot.audit.check import run

    requirements = PROJECT_ROOT / "requirements"
    return run(load_settings().audit_advisories_dir, args.allowlist, requirements)


def _serve_web(_args: argparse.Namespace) -> int:
    from bot.web import serve

    return serve(load_settings())


def _register_train(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser("train", help="train the assistant if its data changed")
    train.add_argument("--force", action="store_true", help="train even if nothing changed")
    train.set_defaults(handler=_train)


def _register_prepare(commands: argparse._SubParsersAction) -> None:
    prepare = commands.add_parser("prepare", help="create local secrets, databases and seed data")
    prepare.set_defaults(handler=_prepare)


def _register_ready(commands: argparse._SubParsersAction) -> None:
    ready = commands.add_parser("ready", help="wait for all services, then print their URLs")
    ready.add_argument("--timeout", type=float, default=300.0, help="seconds to wait")
    ready.add_argument("--hold", action="store_true", help="keep running after the banner")
    ready.set_defaults(handler=_ready)


def _register_review(commands: argparse._SubParsersAction) -> None:
    """``review serve`` runs the web process bot/web.py composes (review app + live chat)."""
    review = commands.add_parser("review", help="review app for the CX team")
    review_commands = review.add_subparsers(dest="review_command", required=True)
    review_commands.add_parser("serve", help="serve the review app on BOT_HOST:REVIEW_PORT")
    review.set_defaults(handler=_serve_web)


def _register_scale(commands: argparse._SubParsersAction) -> None:
    scale = commands.add_parser("scale", help="scale-out profile helpers").add_subparsers()
    nginx_conf = scale.add_parser("nginx-conf", help="write var/scale/nginx.conf for the nodes")
    nginx_conf.set_defaults(handler=_scale_nginx_conf)


def _register_audit(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser("audit", help="match installed packages against the advisories")
    audit.add_argument(
        "--allowlist",
        type=Path,
        default=PROJECT_ROOT / "requirements" / "audit-allowlist.yml",
        help="findings accepted because Rasa 3.6's pins block their fix, each with its reason",
    )
    audit.set_defaults(handler=_audit)


def build_parser() -> argparse.ArgumentParser:
    """Every package with commands exposes ``register(commands)``: it adds its commands to the
    subparsers and sets each one's ``handler(args) -> int``. They are called in the order
    ``--help`` lists the commands, this module's own (the project-wide ones) among them."""
    from bot.backend.commands import register as register_backend
    from bot.cxlog.commands import register as register_cxlog
    from bot.review.commands import register as register_users
    from bot.training.commands import register as register_nlu

    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(title="commands")
    registrations: tuple[Register, ...] = (
        _register_train,
        _register_prepare,
        _register_ready,
        register_backend,
        register_nlu,
        register_cxlog,
        _register_review,
        register_users,
        _register_scale,
        _register_audit,
    )
    for register in registrations:
        register(commands)
    return parser
