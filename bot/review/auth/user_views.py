"""Account management for admins: add users, change roles and display names, disable, set a new
password."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from bot.review.auth.security import requires
from bot.review.auth.users import UserError, create_user, list_users, update_user
from bot.review.common.forms import form_text
from bot.review.common.models import ReviewUser
from bot.review.common.pages import render
from bot.review.common.roles import Role
from bot.review.common.state import db

routes = web.RouteTableDef()


def _role(raw: str) -> Role:
    try:
        return Role.parse(raw)
    except ValueError as error:
        raise UserError(str(error)) from None


@routes.get("/users")
@requires(Role.ADMIN)
async def users_page(request: web.Request) -> web.Response:
    async with db(request) as session:
        users = await list_users(session)
    return render(request, "users.html", {"users": users, "roles": [r.label for r in Role]})


@routes.post("/users")
@requires(Role.ADMIN)
async def user_add(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        async with db(request) as session, session.begin():
            await create_user(
                session,
                form_text(form, "username"),
                form_text(form, "password"),
                _role(form_text(form, "role")),
                datetime.now(UTC),
                display_name=form_text(form, "display_name"),
            )
    except UserError as error:
        raise web.HTTPBadRequest(text=str(error)) from None
    raise web.HTTPSeeOther("/users")


@routes.post(r"/users/{user_id:\d{1,18}}")
@requires(Role.ADMIN)
async def user_update(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        async with db(request) as session, session.begin():
            user = await session.get(ReviewUser, int(request.match_info["user_id"]))
            if user is None:
                raise web.HTTPNotFound(text="no such user")
            await update_user(
                session,
                user,
                _role(form_text(form, "role")),
                is_active=form_text(form, "active") == "yes",
                new_password=form_text(form, "new_password") or None,
                display_name=form_text(form, "display_name"),
            )
    except UserError as error:
        raise web.HTTPBadRequest(text=str(error)) from None
    raise web.HTTPSeeOther("/users")
