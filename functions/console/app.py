"""The staff web console: server-rendered HTML over the same staff use cases as the API.

Behind the REST API at /console/...: routing with Powertools' REST resolver, pages from
jinja2 templates over GOV.UK Frontend's components (console.render), forms from pydantic
models (console.forms). Sign-in is Cognito's managed login (console.auth); the session is held
server side (console.sessions) behind a `__Host-` cookie. Every form carries a CSRF token bound
to the session, and any request that changes something is refused when a browser says it came
from another site. Every reply carries a strict Content Security Policy with a fresh nonce.

| module          | what                                                          |
|-----------------|---------------------------------------------------------------|
| console.pages   | `page()`: a route, who may see it, the visit it is given      |
| console.routes  | the pages, one module per area                                |
| console.auth    | sign-in (PKCE), ID token verification, the Cognito endpoints  |
| console.wiring  | the composition root                                          |

Nothing here logs personal data: log lines carry ids, roles and error types only.
"""

from __future__ import annotations

import console.routes  # noqa: F401 - registers every page
from console.resolver import app, logger

__all__ = ["app", "logger"]
