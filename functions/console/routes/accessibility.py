"""The accessibility statement (Public Sector Bodies Accessibility Regulations 2018): open to
anyone, signed in or not."""

from __future__ import annotations

from console import web
from console.pages import Visit, page


@page("/console/accessibility", signed_in=False)
def accessibility(visit: Visit) -> web.Reply:
    return visit.render("accessibility.html", title="Accessibility statement")
