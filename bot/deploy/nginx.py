"""Render the nginx configuration that balances Rasa nodes and action servers.

nginx (a Debian package installed by ``make install``) is the load balancer of the scale-out
profile; this module only fills its template with the ports of the running nodes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class BalancerLayout:
    """Where the balancer listens and which node ports sit behind it."""

    host: str
    rasa_port: int
    action_port: int
    rasa_ports: tuple[int, ...]
    action_ports: tuple[int, ...]
    rasa_api_port: int  # loopback-only listener for Rasa's HTTP API


def render_nginx_conf(layout: BalancerLayout, run_dir: Path, access_log: Path) -> str:
    environment = jinja2.Environment(  # noqa: S701 (nginx config, not HTML)
        loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined
    )
    template = environment.get_template("nginx.conf.j2")
    return template.render(**asdict(layout), run_dir=run_dir, access_log=access_log)


def write_nginx_conf(layout: BalancerLayout, run_dir: Path) -> Path:
    """Write ``nginx.conf`` and nginx's temp directories under ``run_dir``; return the file."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run_dir / temp).mkdir(exist_ok=True)
    path = run_dir / "nginx.conf"
    path.write_text(render_nginx_conf(layout, run_dir, run_dir / "access.log"))
    return path
