"""The home page: what the signed-in person has to do, by role."""

from __future__ import annotations

from console import web
from console.pages import Visit, page
from contactguard.domain.access import Operation


@page("/console/")
def home(visit: Visit) -> web.Reply:
    waiting = None
    if visit.may(Operation.READ_QUEUE):
        waiting = len(visit.wiring.use_cases.read_queue.waiting(visit.request))
    return visit.render("home.html", title="Home", read_queue_waiting=waiting)
