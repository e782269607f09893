"""Argument parsing for ``python -m bot``; each handler imports its subsystem lazily."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.settings import PROJECT_ROOT, load_settings


def _train(args: argparse.Namespace) -> int:
    from bot.training.model import train

    train(load_settings().models_dir, force=args.force)
    return 0


def _ready(args: argparse.Namespace) -> int:
    from bot.readiness import report_when_ready

    return asyncio.run(report_when_ready(load_settings(), args.timeout, args.hold))


def _prepare(args: argparse.Namespace) -> int:
    from bot.prepare import prepare

    prepare()
    return 0


def _backend(args: argparse.Namespace) -> int:
    from bot.backend.commands import COMMANDS

    return COMMANDS[args.backend_command](load_settings())


def _cxlog(args: argparse.Namespace) -> int:
    from bot.cxlog.commands import run

    return run(load_settings(), args)


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


def _nlu(args: argparse.Namespace) -> int:
    return args.nlu_handler(load_settings(), args)


def _add_cxlog_arguments(parser: argparse.ArgumentParser) -> None:
    from bot.cxlog.commands import add_arguments

    add_arguments(parser)


def build_parser() -> argparse.ArgumentParser:
    from bot.review.commands import add_parsers as add_review_parsers
    from bot.training.commands import add_parser as add_nlu_parser

    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(title="commands")

    train = commands.add_parser("train", help="train the assistant if its data changed")
    train.add_argument("--force", action="store_true", help="train even if nothing changed")
    train.set_defaults(handler=_train)

    prepare = commands.add_parser("prepare", help="create local secrets, databases and seed data")
    prepare.set_defaults(handler=_prepare)

    ready = commands.add_parser("ready", help="wait for all services, then print their URLs")
    ready.add_argument("--timeout", type=float, default=300.0, help="seconds to wait")
    ready.add_argument("--hold", action="store_true", help="keep running after the banner")
    ready.set_defaults(handler=_ready)
    backend = commands.add_parser("backend", help="reference commerce backend")
    backend.add_argument(
        "backend_command",
        choices=("serve", "migrate", "seed"),
        help="serve the API, migrate its database, or load seed data into an empty database",
    )
    backend.set_defaults(handler=_backend)
    add_nlu_parser(commands)
    commands.choices["nlu"].set_defaults(handler=_nlu)
    cxlog = commands.add_parser("cxlog", help="CX log: migrate, consume, purge, export, delete")
    _add_cxlog_arguments(cxlog)
    cxlog.set_defaults(handler=_cxlog)
    add_review_parsers(commands)
    commands.choices["review"].set_defaults(handler=_serve_web)
    scale = commands.add_parser("scale", help="scale-out profile helpers").add_subparsers()
    nginx_conf = scale.add_parser("nginx-conf", help="write var/scale/nginx.conf for the nodes")
    nginx_conf.set_defaults(handler=_scale_nginx_conf)
    audit = commands.add_parser("audit", help="match installed packages against the advisories")
    audit.add_argument(
        "--allowlist",
        type=Path,
        default=PROJECT_ROOT / "requirements" / "audit-allowlist.yml",
        help="findings accepted because Rasa 3.6's pins block their fix, each with its reason",
    )
    audit.set_defaults(handler=_audit)
    return parser
