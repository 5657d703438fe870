"""No personal data in any log line, over the whole suite (a pytest plugin).

For each test (setup, call and teardown) a handler on the root logger sees every record the
project's loggers make, at every level (the Lambda services' Powertools loggers `ingest`,
`letters`, `deadlines`, `signals`, `api`, the `contactguard*` packages and Powertools' own,
e.g. the batch processor's), and every WARNING or worse from any other library (what Lambda
would print of them). A record's message, its `extra` fields, its exception and the JSON line
its Powertools handler prints are all checked; a test whose records hold an email address or
a known piece of personal data from the fixtures (a customer's or staff member's name, a
postal address, a line of an email's text) fails, naming the logger and what was found, and
the session's summary lists every offender.

Tests add their own personal data with the `log_privacy` fixture (`log_privacy.register(...)`);
a test that logs personal data on purpose (this plugin's own test) calls
`log_privacy.forgive()` once it has checked the catch.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

pytest_plugins = ["pytester"]  # the plugin's own test runs a small suite through it

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

# Personal data the fixtures, scenarios and tests use (tests/fixtures, docs/examples, tests/).
KNOWN_PII: tuple[str, ...] = (
    # customers and correspondents
    "A. Tenant",
    "A Tenant",
    "Alex Tenant",
    "Faye Tenant",
    "Zoë Tenant",
    "Sam Resident",
    "René Locataire",
    "Jo Occupier",
    "Casey Caller",
    "Lee One",
    "Kim Two",
    "PAT SHOUTER",
    "Pat Contact",
    "Someone Else",
    # staff
    "Sam Manager",
    "Hana Head",
    "Sage Guard",
    "Ed Executive",
    "Cat Experience",
    "Cal Handler",
    "J. Officer",
    "S. Manager",
    "E. Reviewer",
    # postal addresses
    "1 Example Street",
    "14 Example Road",
    "7 Fault Lane",
    "DE1 1AA",
    "DE1 9ZZ",
    "DE1 7FL",
    # what emails say
    "The boiler is still broken",
    "Boiler still broken",
    "You useless lot",
    "Why are you ignoring me",
    "Fix the boiler, you idiot",
    "Leaking tap in kitchen",
    "Joint letter from both tenants",
    "Letter from my neighbour",
)

# Loggers whose every record counts; any other library's count from WARNING up.
PROJECT_LOGGERS = (
    "ingest",
    "letters",
    "deadlines",
    "signals",
    "api",
    "contactguard",
    "contactguard_local",
    "aws_lambda_powertools",
)
_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _ours(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in PROJECT_LOGGERS)


def offences(text: str, known: Iterable[str] = KNOWN_PII) -> list[str]:
    """The email addresses and known personal data in a line of text."""
    found = EMAIL.findall(text) + [item for item in known if item in text]
    return list(dict.fromkeys(found))


def record_text(record: logging.LogRecord) -> str:
    """Everything a record can print: message, extra fields, exception, and the line its own
    logger's handlers (Powertools' JSON formatter) make of it."""
    parts = [str(record.msg), record.getMessage()]
    parts += [f"{k}={v!r} {v}" for k, v in vars(record).items() if k not in _RECORD_FIELDS]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        parts.append(record.stack_info)
    for handler in logging.getLogger(record.name).handlers:
        if handler.formatter is not None:
            try:
                parts.append(handler.format(record))
            except Exception as error:  # noqa: BLE001 - a broken formatter is not our finding
                parts.append(f"<unformattable: {type(error).__name__}>")
    return "\n".join(parts)


@dataclass(frozen=True)
class Offence:
    where: str  # test id and phase
    logger: str
    level: str
    found: tuple[str, ...]
    line: str


class Watch(logging.Handler):
    """The per-test registry and catch: a handler that checks each record it is given."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.where = ""
        self.known: dict[str, None] = dict.fromkeys(KNOWN_PII)  # an ordered set
        self.caught: list[Offence] = []
        self.checked = 0

    def filter(self, record: logging.LogRecord) -> bool:
        # A Powertools Logger made while this handler is on the root logger adds a filter to
        # it that drops the Logger's records (its de-duplication): this handler sees them all.
        return True

    def register(self, *items: str) -> None:
        """More personal data this test uses (blank strings are ignored)."""
        self.known.update(dict.fromkeys(i for i in items if i.strip()))

    def forgive(self) -> list[Offence]:
        """Take (and clear) what was caught: for a test that logs personal data on purpose."""
        taken, self.caught = self.caught, []
        return taken

    def emit(self, record: logging.LogRecord) -> None:
        if not (_ours(record.name) or record.levelno >= logging.WARNING):
            return
        self.checked += 1
        text = record_text(record)
        found = offences(text, self.known)
        if found:
            line = record.getMessage()[:200]
            offence = Offence(self.where, record.name, record.levelname, tuple(found), line)
            self.caught.append(offence)


_WATCH = pytest.StashKey[Watch]()
_ALL = pytest.StashKey[list[Offence]]()
_CHECKED = pytest.StashKey[int]()


@contextmanager
def watching(item: pytest.Item, phase: str) -> Iterator[Watch]:
    watch = item.stash.setdefault(_WATCH, Watch())
    watch.where = f"{item.nodeid} ({phase})"
    ours = [logging.getLogger(name) for name in PROJECT_LOGGERS]
    levels = [(logger, logger.level) for logger in ours]
    # The root logger sees what propagates; a project logger that does not propagate is
    # watched directly.
    watched = [logging.getLogger(), *(logger for logger in ours if not logger.propagate)]
    for logger in ours:
        logger.setLevel(logging.DEBUG)
    for logger in watched:
        logger.addHandler(watch)
    try:
        yield watch
    finally:
        for logger in watched:
            logger.removeHandler(watch)
        for logger, level in levels:
            logger.setLevel(level)


def _watched(item: pytest.Item, phase: str) -> Generator[None, object, object]:
    with watching(item, phase) as watch:
        result = yield
    _fail_on(item, phase, watch)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _watched(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _watched(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    return (yield from _watched(item, "teardown"))


def _fail_on(item: pytest.Item, phase: str, watch: Watch) -> None:
    item.config.stash[_CHECKED] = item.config.stash.get(_CHECKED, 0) + watch.checked
    watch.checked = 0
    caught = watch.forgive()
    if not caught:
        return
    item.config.stash.setdefault(_ALL, []).extend(caught)
    lines = "\n".join(f"  {o.logger} {o.level}: {', '.join(o.found)} in {o.line!r}" for o in caught)
    pytest.fail(f"personal data in log lines ({phase}):\n{lines}", pytrace=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    config = terminalreporter.config
    caught = config.stash.get(_ALL, [])
    checked = config.stash.get(_CHECKED, 0)
    if not caught:
        terminalreporter.write_line(f"log privacy: {checked} log records checked, none leaks")
        return
    terminalreporter.section("personal data in log lines")
    for o in caught:
        terminalreporter.write_line(f"{o.where}: {o.logger} {o.level}: {', '.join(o.found)}")


@pytest.fixture
def log_privacy(request: pytest.FixtureRequest) -> Watch:
    """This test's watch: `register` more personal data, `forgive` a deliberate leak."""
    watch: Watch = request.node.stash.setdefault(_WATCH, Watch())
    return watch
