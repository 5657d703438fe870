"""Signing in and out, and choosing the role to act in (console.auth does the protocol)."""

from __future__ import annotations

from http import HTTPStatus

from console import web
from console.auth import SIGN_IN_COOKIE, SIGN_IN_MINUTES, SignInFailed, safe_next
from console.pages import ROLE_NAMES, Visit, page, problem
from console.resolver import app, logger
from console.sessions import COOKIE, new_session_id, staff_roles, start
from contactguard.domain.access import STAFF_ROLES


@page("/console/sign-in", signed_in=False)
def sign_in(visit: Visit) -> web.Reply:
    next_path = safe_next(visit.query.get("next", "/console/"))
    if visit.session is not None:
        return visit.redirect(next_path)
    url, cookie = visit.wiring.sign_in.begin(
        visit.wiring.provider,
        redirect_uri=visit.site.redirect_uri,
        next_path=next_path,
        now=visit.now,
    )
    return web.Reply.redirect(
        visit.site.url(url),
        [*visit.cookies, web.host_cookie(SIGN_IN_COOKIE, cookie, max_age=SIGN_IN_MINUTES * 60)],
    )


@page("/console/auth/callback", signed_in=False)
def callback(visit: Visit) -> web.Reply:
    cookie = web.cookie_value(app.current_event.headers.get("cookie"), SIGN_IN_COOKIE)
    if visit.query.get("error"):
        logger.info("sign-in refused by the identity provider")
        return _failed(visit)
    try:
        identity, tokens, next_path = visit.wiring.sign_in.finish(
            visit.wiring.provider,
            cookie=cookie,
            state=visit.query.get("state"),
            code=visit.query.get("code"),
            redirect_uri=visit.site.redirect_uri,
            now=visit.now,
        )
    except SignInFailed as error:
        logger.info("sign-in failed", extra={"reason": str(error)})
        return _failed(visit)
    roles = staff_roles(identity.groups)
    if not roles:
        return problem(
            visit,
            HTTPStatus.FORBIDDEN,
            "Your account has no staff role",
            "Ask your manager to add you to one of the console's groups: "
            + ", ".join(sorted(ROLE_NAMES[r] for r in STAFF_ROLES))
            + ".",
        )
    session_id = new_session_id()
    session = start(
        session_id,
        actor_id=identity.subject,
        name=identity.name,
        roles=roles,
        now=visit.now,
        hours=visit.wiring.session_hours,
        token_expires_at=identity.expires_at,
        refresh_token=tokens.refresh_token,
    )
    visit.wiring.sessions.put_session(session)
    logger.info("signed in", extra={"roles": [r.value for r in roles]})
    cookies = [
        web.host_cookie(COOKIE, session_id, max_age=visit.wiring.session_hours * 3600),
        web.cleared(SIGN_IN_COOKIE),
    ]
    target = next_path if len(roles) == 1 else "/console/role?next=" + next_path
    return web.Reply.redirect(visit.site.url(target), cookies)


def _failed(visit: Visit) -> web.Reply:
    reply = problem(
        visit,
        HTTPStatus.UNAUTHORIZED,
        "We could not sign you in",
        "The sign-in did not complete, or took longer than "
        f"{SIGN_IN_MINUTES} minutes. Start again from the sign-in page.",
    )
    reply.cookies.append(web.cleared(SIGN_IN_COOKIE))
    return reply


@page("/console/sign-out", "POST")
def sign_out(visit: Visit) -> web.Reply:
    session = visit.session
    assert session is not None  # page() sends anyone signed out to sign in
    if session.refresh_token:
        try:
            visit.wiring.provider.revoke(session.refresh_token)
        except SignInFailed as error:  # the session still ends here
            logger.warning("refresh token not revoked", extra={"reason": str(error)})
    visit.wiring.sessions.delete_session(session.session_hash)
    url = visit.wiring.provider.logout_url(return_to=f"{visit.site.console_url}/signed-out")
    return web.Reply.redirect(url, [web.cleared(COOKIE)])


@page("/console/signed-out", signed_in=False)
def signed_out(visit: Visit) -> web.Reply:
    return visit.render("signed_out.html", title="You have signed out")


@page("/console/role")
def choose_role(visit: Visit) -> web.Reply:
    assert visit.session is not None
    return _role_page(visit, None)


def _role_page(visit: Visit, error: str | None) -> web.Reply:
    assert visit.session is not None
    return visit.render(
        "role.html",
        title="Choose the role you are acting in",
        status=HTTPStatus.BAD_REQUEST if error else HTTPStatus.OK,
        roles=[{"value": r.value, "text": ROLE_NAMES[r]} for r in visit.session.roles],
        current=visit.session.acting.value if visit.session.acting else None,
        next_path=safe_next(visit.query.get("next", "/console/")),
        errors=[{"text": error, "href": "#role"}] if error else None,
        error=error,
    )


@page("/console/role", "POST")
def set_role(visit: Visit) -> web.Reply:
    session = visit.session
    assert session is not None
    chosen = next((r for r in session.roles if r.value == visit.form.get("role")), None)
    if chosen is None:
        return _role_page(visit, "Select the role you are acting in")
    visit.wiring.sessions.put_session(session.model_copy(update={"acting": chosen}))
    return visit.redirect(safe_next(visit.form.get("next", "/console/")))
