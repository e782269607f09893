"""``GET /demo``: a fake shop page embedding the widget exactly as a customer's site would.

It is deliberately a plain page with the one-line script tag, so what works here works on any
site. Rendered with its own autoescaping Jinja environment: it does not depend on the review
app's templates or login.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from aiohttp import web

# The review app's policy, except that the bot may show images hosted elsewhere (https only).
DEMO_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
)


async def demo_page(request: web.Request) -> web.Response:
    server = f"{request.scheme}://{request.host}"
    html = TEMPLATES.get_template("demo.html").render(server=server)
    return web.Response(
        text=html, content_type="text/html", headers={"Content-Security-Policy": DEMO_CSP}
    )
