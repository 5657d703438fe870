"""`page()`: a console route, who may see it, and the visit each page is given.

Every page: the session from its cookie (refreshed near the ID token's expiry), the role the
person acts in (chosen once when they hold several), the Operation whose roles may see it
(contactguard.domain.access; the use case checks again), and for a form: the cross-site
refusal and the CSRF token. A refusal of the use cases becomes a page a person can act on:
the rule and what to do, never a stack trace.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, quote

from aws_lambda_powertools.event_handler import Response

from console import web
from console.auth import REFRESH_BEFORE, SignInFailed, verify_id_token
from console.csrf import FIELD as CSRF_FIELD
from console.forms import FormResult
from console.render import ASSETS_FOLDER, render
from console.resolver import app, logger
from console.sessions import COOKIE, Session, hashed
from console.wiring import ConsoleWiring, Site, current
from contactguard.domain.access import Operation, may
from contactguard.domain.errors import (
    IllegalTransition,
    NothingToDo,
    NotPermitted,
    RuleViolation,
    VersionConflict,
)
from contactguard.domain.model import Actor, Role
from contactguard.usecases import Request
from contactguard.usecases.errors import AuditUnavailable, NotFound, UnknownCase, UnknownCustomer

ROLE_NAMES: dict[Role, str] = {
    Role.SERVICE_MANAGER: "Service Manager",
    Role.HEAD_OF_SERVICE: "Head of Service",
    Role.CUSTOMER_EXPERIENCE: "Customer Experience Team",
    Role.EXECUTIVE: "Executive Team",
    Role.CALL_HANDLER: "Call handler",
    Role.SAFEGUARDING_LEAD: "Safeguarding Lead",
    Role.DATA_PROTECTION_OFFICER: "Data Protection Officer",
    Role.SYSTEM: "System",
}
MAX_FORM_BYTES = 64 * 1024


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    operation: Operation | None  # shown only to roles that may


# The menu: each item only for the roles its operation allows.
NAVIGATION: list[NavItem] = [
    NavItem("Home", "/console/", None),
    NavItem("Find a caller", "/console/lookup", Operation.LOOKUP),
    NavItem("Read queue", "/console/read-queue", Operation.READ_QUEUE),
]


@dataclass
class Visit:
    """One request to one page: who, when, and what they sent."""

    wiring: ConsoleWiring
    site: Site
    now: datetime
    nonce: str
    path: str
    session: Session | None
    query: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    cookies: list[Any] = field(default_factory=list)  # set on the reply (e.g. a refreshed one)

    @property
    def actor(self) -> Actor:
        actor = self.session.actor() if self.session else None
        if actor is None:
            raise NotPermitted("staff-role-required", "sign in, and choose the role you act in")
        return actor

    @property
    def request(self) -> Request:
        return Request(actor=self.actor, request_id=self.request_id)

    def may(self, operation: Operation) -> bool:
        role = self.session.role if self.session else None
        return role is not None and may(role, operation)

    def page_context(self, flash: str | None = None) -> dict[str, Any]:
        session = self.session
        role = session.role if session else None
        return {
            "actor": role is not None,
            "signed_in": session is not None,
            "actor_name": (session.name or session.actor_id) if session else "",
            "role_title": ROLE_NAMES[role] if role else "",
            "other_roles": bool(session and len(session.roles) > 1),
            "csrf_token": self.wiring.csrf.token(session.session_hash) if session else "",
            "navigation": [
                {
                    "href": self.site.url(item.href),
                    "text": item.text,
                    "active": self.path == item.href,
                }
                for item in NAVIGATION
                if item.operation is None or self.may(item.operation)
            ],
            "flash": flash
            if flash is not None
            else self.wiring.csrf.unseal(self.query.get("done")),
        }

    def render(self, template: str, *, title: str, status: int = 200, **context: Any) -> web.Reply:
        body = render(
            template,
            title=title,
            page=self.page_context(),
            organisation=self.wiring.organisation,
            console=self.site.root,
            cspNonce=self.nonce,
            assets_folder=ASSETS_FOLDER,
            errors=context.pop("errors", None),
            **context,
        )
        return web.Reply(status, body, cookies=list(self.cookies))

    def render_form(
        self,
        template: str,
        *,
        title: str,
        form: FormResult[Any],
        status: int | None = None,
        **context: Any,
    ) -> web.Reply:
        """A page with a form: 400 with the error summary when what was sent is wrong."""
        if status is None:
            status = HTTPStatus.BAD_REQUEST if form.errors else HTTPStatus.OK
        return self.render(
            template, title=title, status=status, form=form, errors=form.summary, **context
        )

    def redirect(self, location: str, done: str | None = None) -> web.Reply:
        if done:
            sealed = self.wiring.csrf.seal(done)
            location += ("&" if "?" in location else "?") + "done=" + quote(sealed)
        return web.Reply.redirect(self.site.url(location), list(self.cookies))


def _form(body: str | None) -> dict[str, str]:
    if not body:
        return {}
    if len(body.encode("utf-8")) > MAX_FORM_BYTES:
        raise ValueError("the form is too large")
    parsed = parse_qs(body, keep_blank_values=True, max_num_fields=200)
    return {key: values[-1] for key, values in parsed.items()}


def _session(wiring: ConsoleWiring, now: datetime) -> tuple[Session | None, list[Any]]:
    """The live session from the cookie (refreshed near its token's expiry), and the cookies
    to set (the session's, cleared, when it has ended)."""
    cookie = web.cookie_value(app.current_event.headers.get("cookie"), COOKIE)
    if not cookie:
        return None, []
    session = wiring.sessions.get_session(hashed(cookie))
    if session is None or not session.live(now):
        if session is not None:
            wiring.sessions.delete_session(session.session_hash)
        return None, [web.cleared(COOKIE)]
    if session.token_expires_at - now <= REFRESH_BEFORE:
        if not session.refresh_token:
            wiring.sessions.delete_session(session.session_hash)
            return None, [web.cleared(COOKIE)]
        try:
            tokens = wiring.provider.refresh(session.refresh_token)
            identity = verify_id_token(wiring.provider, tokens.id_token, now=now, nonce=None)
        except SignInFailed as error:
            logger.info("session not refreshed", extra={"reason": str(error)})
            wiring.sessions.delete_session(session.session_hash)
            return None, [web.cleared(COOKIE)]
        session = session.model_copy(update={"token_expires_at": identity.expires_at})
        wiring.sessions.put_session(session)
    return session, []


def problem(
    visit: Visit, status: int, title: str, message: str, rule: str | None = None
) -> web.Reply:
    return visit.render("problem.html", title=title, status=status, message=message, rule=rule)


Handler = Callable[..., web.Reply]


def page(
    path: str,
    method: str = "GET",
    *,
    operation: Operation | None = None,
    signed_in: bool = True,
) -> Callable[[Handler], Handler]:
    """Register a console page. `operation`: the roles that may see it (None: any signed-in
    member of staff, or anyone when `signed_in` is False)."""

    def register(handler: Handler) -> Handler:
        def route(**params: Any) -> Response[str | bytes]:
            wiring = current()
            now = wiring.clock()
            event = app.current_event
            session, cookies = _session(wiring, now)
            context = event.request_context
            visit = Visit(
                wiring=wiring,
                site=wiring.site(context.domain_name, context.stage),
                now=now,
                nonce=web.nonce(),
                path=event.path,
                session=session,
                query=dict(event.query_string_parameters or {}),
                cookies=cookies,
            )
            reply = _serve(visit, handler, method, signed_in, operation, params)
            return reply.response(visit.nonce, _form_targets(wiring))

        app.route(path, method)(route)
        return handler

    return register


def _form_targets(wiring: ConsoleWiring) -> tuple[str, ...]:
    login = getattr(wiring.provider, "login_domain", None)
    return (login,) if isinstance(login, str) and login.startswith("https://") else ()


def _serve(
    visit: Visit,
    handler: Handler,
    method: str,
    signed_in: bool,
    operation: Operation | None,
    params: dict[str, Any],
) -> web.Reply:
    if signed_in and visit.session is None:
        target = visit.path if method == "GET" else "/console/"
        return visit.redirect("/console/sign-in?next=" + quote(target, safe="/"))
    choosing = visit.path in {"/console/role", "/console/sign-out"}
    if signed_in and visit.session is not None and visit.session.role is None and not choosing:
        return visit.redirect("/console/role")
    if method == "POST":
        event = app.current_event
        if web.cross_site(dict(event.headers), visit.site.origin):
            return problem(
                visit,
                HTTPStatus.FORBIDDEN,
                "This request came from another site",
                "Forms can only be sent from this console. Go back and try again.",
            )
        try:
            visit.form = _form(event.decoded_body if event.body else None)
        except ValueError:
            return problem(
                visit,
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                "The form is too large",
                "Shorten what you wrote and send it again.",
            )
        if visit.session is not None and not visit.wiring.csrf.valid(
            visit.form.get(CSRF_FIELD), visit.session.session_hash
        ):
            return problem(
                visit,
                HTTPStatus.FORBIDDEN,
                "This form has expired",
                "The form was not sent from your current session. Go back, reload "
                "the page and send it again.",
            )
    if operation is not None and not visit.may(operation):
        return problem(
            visit,
            HTTPStatus.FORBIDDEN,
            "You cannot see this page",
            f"Your role ({ROLE_NAMES[visit.actor.role]}) may not do this.",
        )
    try:
        return handler(visit, **params)
    except (UnknownCase, UnknownCustomer, NotFound):
        return problem(
            visit,
            HTTPStatus.NOT_FOUND,
            "Page not found",
            "There is no such record. Check the reference and try again.",
        )
    except NotPermitted as error:
        return problem(
            visit, HTTPStatus.FORBIDDEN, "You cannot do this", error.message, rule=error.rule
        )
    except VersionConflict:
        return problem(
            visit,
            HTTPStatus.CONFLICT,
            "Someone changed this case",
            "Someone else changed this case while you were working on it, so "
            "nothing you sent has been saved. Open the case again to see what "
            "changed, then make your decision again.",
        )
    except (IllegalTransition, RuleViolation, NothingToDo) as error:
        return problem(
            visit,
            HTTPStatus.CONFLICT,
            "The policy does not allow this",
            error.message,
            rule=error.rule,
        )
    except AuditUnavailable:
        logger.error("audit trail unavailable", extra={"path_kind": method})
        return problem(
            visit,
            HTTPStatus.SERVICE_UNAVAILABLE,
            "Sorry, there is a problem",
            "We could not record that you opened this record, so it is not shown "
            "and nothing was changed. Try again in a few minutes.",
        )
