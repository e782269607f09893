"""Command line: ``python -m bot <command>``; ``python -m bot --help`` lists the commands."""

from __future__ import annotations

import argparse
import sys

from bot.cli import build_parser


def main(argv: list[str] | None = None) -> int:
    parser: argparse.ArgumentParser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
