"""No personal data in any log line, over the whole suite (a pytest plugin).

What it sees, by construction rather than by list:

- every record of every project logger, at every level, DEBUG included: the Lambda services'
  Powertools loggers (`ingest`, `letters`, `deadlines`, `signals`, `api`), the
  `contactguard*` packages, Powertools' own, and every test rig's logger, which comes from
  `rig_logger()` (`contactguard.rig.<name>`). The check hooks `logging.Logger` itself
  (`isEnabledFor` and `handle`), so propagation, handler filters (Powertools' de-duplication
  filter on the root's handlers) and logger levels cannot hide a record from it: a project
  logger makes a record at any level for the check to read, and only what the logger's own
  level would have let through goes on to its handlers (output and caplog are unchanged).
  The one level it keeps is a pin production code sets on a library logger beneath a project
  root (`PINNED`): those records are never printed, whatever operations turn on;
- every WARNING or worse from any other library (what Lambda would print of them);
- a logger made by code in this repository (functions/, src/, tests/) outside those names
  fails the test that made it: a rig cannot log where the check does not look.

A record's message, its `extra` fields, its exception and the JSON line its Powertools
handler prints are all checked; a test whose records hold an email address or a known piece
of personal data from the fixtures (a customer's or staff member's name, a postal address, a
line of an email's text) fails, naming the logger and what was found, and the session's
summary lists every offender and says how many records were read.

Tests add their own personal data with the `log_privacy` fixture (`log_privacy.register(...)`);
a test that logs personal data on purpose (this plugin's own tests) calls
`log_privacy.forgive()` once it has checked the catch.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import re
import sys
import types
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aws_lambda_powertools.logging as logging_powertools
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

# Loggers whose every record counts, at every level; any other library's from WARNING up.
PROJECT_LOGGERS = (
    "ingest",
    "letters",
    "deadlines",
    "signals",
    "api",
    "delivery",
    "console",
    "retention",
    "exports",
    "contactguard",
    "contactguard_local",
    "aws_lambda_powertools",
)
RIG = "contactguard.rig"  # beneath `contactguard`: watched
# Library loggers beneath a project root whose level production code pins; the check keeps
# the pin (what is below it is never printed, whatever level operations set). A test holds
# each pin in place (tests/unit/test_log_privacy.py).
PINNED = {
    # functions/api/app.py: the resolver logs route arguments (request bodies) at DEBUG.
    "aws_lambda_powertools.event_handler": logging.INFO,
}
REPO = Path(__file__).resolve().parents[1]
REPO_CODE = tuple(f"{REPO / part}{os.sep}" for part in ("functions", "src", "tests"))
_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def rig_logger(name: str) -> logging.Logger:
    """The logger a test rig hands to the code under test: the check reads every record."""
    return logging.getLogger(f"{RIG}.{name}")


def mutant(
    module: types.ModuleType, changes: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> types.ModuleType:
    """A copy of `module` with each `old` piece of its source replaced by `new` (each found
    exactly once): the mutant a mutation run makes, for a test to show the check catches it."""
    source = inspect.getsource(module)
    for old, new in changes.items():
        assert source.count(old) == 1, f"{old!r} is not in {module.__name__} exactly once"
        source = source.replace(old, new)
    copy = types.ModuleType(f"{module.__name__}_mutant")
    monkeypatch.setitem(sys.modules, copy.__name__, copy)  # dataclasses look their module up
    exec(compile(source, str(module.__file__), "exec"), vars(copy))  # noqa: S102 - our own code
    return copy


@functools.cache
def _ours(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in PROJECT_LOGGERS)


@functools.cache
def _every_level(name: str) -> bool:
    """A project logger whose records are all made and read (not one below a pin)."""
    pinned = any(name == p or name.startswith(p + ".") for p in PINNED)
    return _ours(name) and not pinned


def offences(text: str, known: Iterable[str] = KNOWN_PII) -> list[str]:
    """The email addresses and known personal data in a line of text."""
    found = EMAIL.findall(text) + [item for item in known if item in text]
    return list(dict.fromkeys(found))


def record_text(record: logging.LogRecord, logger: logging.Logger | None = None) -> str:
    """Everything a record can print: message, extra fields, exception, and the line its own
    logger's handlers (Powertools' JSON formatter) make of it."""
    parts = [str(record.msg)]
    try:
        parts.append(record.getMessage())
    except Exception as error:  # noqa: BLE001 - a broken log call is not our finding
        parts.append(f"<unformattable: {type(error).__name__}> {record.args!r}")
    parts += [f"{k}={v!r} {v}" for k, v in vars(record).items() if k not in _RECORD_FIELDS]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        parts.append(record.stack_info)
    for handler in (logger or logging.getLogger(record.name)).handlers:
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


class Watch:
    """The per-test registry and catch: every record the hooks see is read here."""

    def __init__(self, where: str = "") -> None:
        self.where = where
        self.known: dict[str, None] = dict.fromkeys(KNOWN_PII)  # an ordered set
        self.caught: list[Offence] = []
        self.checked = 0

    def register(self, *items: str) -> None:
        """More personal data this test uses (blank strings are ignored)."""
        self.known.update(dict.fromkeys(i for i in items if i.strip()))

    def forgive(self) -> list[Offence]:
        """Take (and clear) what was caught: for a test that logs personal data on purpose."""
        taken, self.caught = self.caught, []
        return taken

    def read(self, record: logging.LogRecord, logger: logging.Logger | None = None) -> None:
        """Check one record (the hooks call this for every record that counts)."""
        self.checked += 1
        found = offences(record_text(record, logger), self.known)
        if found:
            try:
                line = record.getMessage()[:200]
            except Exception:  # noqa: BLE001
                line = str(record.msg)[:200]
            self.caught.append(
                Offence(self.where, record.name, record.levelname, tuple(found), line)
            )

    def unwatched(self, name: str, made_at: str) -> None:
        """Code in this repository made a logger the check does not read in full."""
        found = (f"logger made at {made_at} outside the watched names: use rig_logger()",)
        self.caught.append(Offence(self.where, name, "-", found, ""))


# The hooks on logging.Logger -----------------------------------------------------------------

_SESSION = Watch("outside any test")
_current = [_SESSION]  # the watch of the test phase running now
_ORIGINAL_ENABLED = logging.Logger.isEnabledFor
_ORIGINAL_HANDLE = logging.Logger.handle
_ORIGINAL_GET = logging.Manager.getLogger
_LOGGING_CODE = (
    os.path.dirname(logging.__file__) + os.sep,
    str(Path(logging_powertools.__file__).parent) + os.sep,
)
_installed = [0]


def _is_enabled_for(self: logging.Logger, level: int) -> bool:
    if _every_level(self.name):
        return True  # made for the check to read; `_handle` decides whether it goes on
    return _ORIGINAL_ENABLED(self, level)


def _handle(self: logging.Logger, record: logging.LogRecord) -> None:
    every_level = _every_level(self.name)
    if every_level or _ours(self.name) or record.levelno >= logging.WARNING:
        _current[-1].read(record, self)
    if every_level and not _ORIGINAL_ENABLED(self, record.levelno):
        return  # made only for the check: the logger's own level would not have made it
    _ORIGINAL_HANDLE(self, record)


def _caller_in_repo() -> str | None:
    """Where in this repository's code a logger is being made (None: elsewhere)."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_LOGGING_CODE):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None or not frame.f_code.co_filename.startswith(REPO_CODE):
        return None
    return f"{os.path.relpath(frame.f_code.co_filename, REPO)}:{frame.f_lineno}"


def _get_logger(self: logging.Manager, name: str) -> logging.Logger:
    new = not isinstance(self.loggerDict.get(name), logging.Logger)
    logger = _ORIGINAL_GET(self, name)
    if new and not _ours(name) and (made_at := _caller_in_repo()) is not None:
        _current[-1].unwatched(name, made_at)
    return logger


def install() -> None:
    _installed[0] += 1
    logging.Logger.isEnabledFor = _is_enabled_for  # type: ignore[method-assign]
    logging.Logger.handle = _handle  # type: ignore[method-assign]
    logging.Manager.getLogger = _get_logger  # type: ignore[method-assign]


def uninstall() -> None:
    _installed[0] -= 1
    if _installed[0] == 0:
        logging.Logger.isEnabledFor = _ORIGINAL_ENABLED  # type: ignore[method-assign]
        logging.Logger.handle = _ORIGINAL_HANDLE  # type: ignore[method-assign]
        logging.Manager.getLogger = _ORIGINAL_GET  # type: ignore[method-assign]


_WATCH = pytest.StashKey[Watch]()
_ALL = pytest.StashKey[list[Offence]]()
_CHECKED = pytest.StashKey[int]()


def pytest_configure(config: pytest.Config) -> None:
    install()


def pytest_unconfigure(config: pytest.Config) -> None:
    uninstall()


@contextmanager
def watching(item: pytest.Item, phase: str) -> Iterator[Watch]:
    watch = item.stash.setdefault(_WATCH, Watch())
    watch.where = f"{item.nodeid} ({phase})"
    # Code under test sets project loggers' levels (Powertools, the simulator's quiet mode):
    # each test starts from the levels the one before it found, as caplog would leave them.
    levels = [
        (logger, logger.level)
        for name, logger in list(logging.Logger.manager.loggerDict.items())
        if isinstance(logger, logging.Logger) and _ours(name)
    ]
    _current.append(watch)
    try:
        yield watch
    finally:
        _current.remove(watch)
        for logger, level in levels:
            logger.setLevel(level)


def _watched(item: pytest.Item, phase: str) -> Generator[None, object, object]:
    with watching(item, phase) as watch:
        try:
            result = yield
        except BaseException:
            # The phase failed on its own: what it leaked is told by the next phase (or at
            # the end of the session), never lost.
            _SESSION.caught += watch.forgive()
            _SESSION.checked += watch.checked
            watch.checked = 0
            raise
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


def _describe(caught: list[Offence]) -> str:
    return "\n".join(
        f"  {o.logger} {o.level}: {', '.join(o.found)}" + (f" in {o.line!r}" if o.line else "")
        for o in caught
    )


def _fail_on(item: pytest.Item, phase: str, watch: Watch) -> None:
    item.config.stash[_CHECKED] = item.config.stash.get(_CHECKED, 0) + watch.checked
    watch.checked = 0
    caught = watch.forgive() + _SESSION.forgive()  # and what happened between tests
    if not caught:
        return
    item.config.stash.setdefault(_ALL, []).extend(caught)
    pytest.fail(f"personal data in log lines ({phase}):\n{_describe(caught)}", pytrace=False)


def pytest_sessionfinish(session: pytest.Session) -> None:
    session.config.stash[_CHECKED] = session.config.stash.get(_CHECKED, 0) + _SESSION.checked
    _SESSION.checked = 0
    late = _SESSION.forgive()  # made at collection or after the last test
    if late:
        session.config.stash.setdefault(_ALL, []).extend(late)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
    terminalreporter.write_line(f"log privacy: {checked} log records checked")


@pytest.fixture
def log_privacy(request: pytest.FixtureRequest) -> Watch:
    """This test's watch: `register` more personal data, `forgive` a deliberate leak."""
    watch: Watch = request.node.stash.setdefault(_WATCH, Watch())
    return watch
