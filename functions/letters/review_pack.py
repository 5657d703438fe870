"""The twelve-month review pack's figures (policy s.6) and their chart.

s.6: the Head of Service "will review the case, access volume and nature of contact received
through the last 12 months". The pack counts the customer's inbound contacts in the 12
months before the restrictions' end date, by channel and by calendar month, with the flags,
the filed and blocked emails and the routed ones, and the 12 months before that beside them.
Months are Europe/London calendar months; the first and last month of the window are partial
when the end date is not the 1st.

A pack is produced before the end date (20 working days before it, by default), so it counts
only to the day it is produced (`counted_to`): never days still to come. The comparison is
like for like: the same days a year earlier, month by month and in total; a month counted in
part says so ("1-22 Nov 2027 (to date)"), and no month still to come is shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from contactguard.domain.calendar import LONDON, add_calendar_months, london_date, start_of_day
from contactguard.domain.model import Channel, Contact, Disposition, describe_date
from contactguard.domain.outbound import is_customers_own

CHANNEL_HEADINGS: dict[Channel, str] = {
    Channel.EMAIL: "Email",
    Channel.PHONE: "Telephone",
    Channel.LETTER: "Letter",
    Channel.VISIT: "Visit",
    Channel.SOCIAL_MEDIA: "Social media",
}
FLAG_WORDS: dict[str, str] = {
    "abusive-language": "Abusive language",
    "threatening-language": "Threatening language",
    "safeguarding": "Safeguarding concern",
}
MAX_LISTED_FILED = 200  # a pack stays readable; the count says how many were left out


@dataclass(frozen=True)
class MonthSlice:
    """The part of one calendar month inside the window, and the same days a year earlier."""

    label: str
    short_label: str
    start: datetime
    end: datetime
    previous_start: datetime
    previous_end: datetime


@dataclass(frozen=True)
class MonthRow:
    label: str
    short_label: str
    by_channel: dict[Channel, int]
    total: int
    previous_total: int


@dataclass(frozen=True)
class FiledEmail:
    received: str
    subject: str
    flags: str


@dataclass(frozen=True)
class ReviewFigures:
    window_from: date  # first day counted
    window_to: date  # last day counted (the day before the end date, or the day produced)
    ends_on: date  # the restrictions' end date (they apply until its start)
    previous_from: date
    previous_to: date
    months: tuple[MonthRow, ...]
    summary: tuple[tuple[str, int, int], ...]  # (measure, last 12 months, previous 12)
    flags: tuple[tuple[str, int, int], ...]
    filed: tuple[FiledEmail, ...]
    filed_not_listed: int

    @property
    def complete(self) -> bool:
        """Whether every day of the 12 months was counted (produced on or after the end)."""
        return self.window_to >= self.ends_on - timedelta(days=1)

    @property
    def days_not_counted(self) -> int:
        """Days of the period still to come when the pack was produced."""
        return (self.ends_on - timedelta(days=1) - self.window_to).days


def windows(ends_on: date) -> tuple[datetime, datetime, datetime]:
    """(previous year's start, the window's start, the window's end): the window is the 12
    months before the end date, the previous year the 12 months before that."""
    return (
        start_of_day(add_calendar_months(ends_on, -24)),
        start_of_day(add_calendar_months(ends_on, -12)),
        start_of_day(ends_on),
    )


def _first_of_next_month(day: date) -> date:
    return add_calendar_months(day.replace(day=1), 1)


def _counted_end(ends_on: date, counted_to: date | None) -> date:
    """The first day not counted: the end date, or the day after the pack was produced."""
    if counted_to is None:
        return ends_on
    return min(ends_on, counted_to + timedelta(days=1))


def month_slices(ends_on: date, counted_to: date | None = None) -> tuple[MonthSlice, ...]:
    _, start, _ = windows(ends_on)
    first, last = london_date(start), _counted_end(ends_on, counted_to)
    slices: list[MonthSlice] = []
    day = first
    while day < last:
        upto = min(_first_of_next_month(day), last)  # exclusive
        whole = day.day == 1 and upto == _first_of_next_month(day)
        month = f"{day:%b %Y}"
        label = month if whole else f"{day.day}-{(upto - timedelta(days=1)).day} {month}"
        if upto == last < ends_on and upto != _first_of_next_month(day):
            label += " (to date)"  # counted in part: the rest of the month is still to come
        slices.append(
            MonthSlice(
                label=label,
                short_label=f"{day:%b}\n{day:%Y}",
                start=start_of_day(day),
                end=start_of_day(upto),
                previous_start=start_of_day(add_calendar_months(day, -12)),
                previous_end=start_of_day(add_calendar_months(upto, -12)),
            )
        )
        day = upto
    return tuple(slices)


def _flag_words(flag: str) -> str:
    return FLAG_WORDS.get(flag, flag.replace("-", " ").capitalize())


def _measures(contacts: list[Contact]) -> dict[str, int]:
    channels = Counter(c.channel for c in contacts)
    dispositions = Counter(c.disposition for c in contacts)
    return {
        "All inbound contacts": len(contacts),
        **{f"By {CHANNEL_HEADINGS[ch].lower()}": channels[ch] for ch in Channel},
        "Contacts flagged for their language": sum(1 for c in contacts if c.flags),
        "Emails filed and blocked (not delivered, read for new information)": dispositions[
            Disposition.FILED_BLOCKED
        ],
        "Emails routed to the single point of contact": dispositions[Disposition.ROUTED_TO_OFFICER],
        "Contacts refused under a restriction": dispositions[Disposition.REFUSED],
    }


def review_figures(
    contacts: Iterable[Contact], customer_id: str, ends_on: date, counted_to: date | None = None
) -> ReviewFigures:
    """Count a customer's inbound contacts for the review of the period ending `ends_on`, up
    to and including `counted_to` (the day the pack is produced; None: the whole period),
    beside the same days a year earlier."""
    previous_start, start, _ = windows(ends_on)
    end = start_of_day(_counted_end(ends_on, counted_to))
    previous_end = start_of_day(add_calendar_months(london_date(end), -12))
    # The customer's own contacts: never what staff logged making, or mail we sent.
    inbound = [c for c in contacts if c.customer_id == customer_id and is_customers_own(c)]
    current = sorted((c for c in inbound if start <= c.at < end), key=lambda c: c.at)
    previous = [c for c in inbound if previous_start <= c.at < previous_end]

    rows = []
    for piece in month_slices(ends_on, counted_to):
        in_month = [c for c in current if piece.start <= c.at < piece.end]
        by_channel = Counter(c.channel for c in in_month)
        rows.append(
            MonthRow(
                label=piece.label,
                short_label=piece.short_label,
                by_channel={ch: by_channel[ch] for ch in Channel},
                total=len(in_month),
                previous_total=sum(
                    1 for c in previous if piece.previous_start <= c.at < piece.previous_end
                ),
            )
        )
    now_measures, then_measures = _measures(current), _measures(previous)
    now_flags = Counter(f for c in current for f in c.flags)
    then_flags = Counter(f for c in previous for f in c.flags)
    flag_names = sorted(set(now_flags) | set(then_flags) | set(FLAG_WORDS))
    filed = [c for c in current if c.disposition is Disposition.FILED_BLOCKED]
    return ReviewFigures(
        window_from=london_date(start),
        window_to=london_date(end) - timedelta(days=1),
        ends_on=ends_on,
        previous_from=london_date(previous_start),
        previous_to=london_date(previous_end) - timedelta(days=1),
        months=tuple(rows),
        summary=tuple((k, v, then_measures[k]) for k, v in now_measures.items()),
        flags=tuple((_flag_words(f), now_flags[f], then_flags[f]) for f in flag_names),
        filed=tuple(
            FiledEmail(
                received=f"{describe_date(london_date(c.at))} {c.at.astimezone(LONDON):%H:%M}",
                subject=c.summary or "(no subject)",
                flags=", ".join(_flag_words(f) for f in c.flags) or "none",
            )
            for c in filed[:MAX_LISTED_FILED]
        ),
        filed_not_listed=max(0, len(filed) - MAX_LISTED_FILED),
    )


# The chart -------------------------------------------------------------------------------

_WIDTH, _HEIGHT = 1800, 820
_LEFT, _RIGHT, _TOP, _BOTTOM = 120, 50, 120, 130
_CURRENT, _PREVIOUS = (31, 78, 121), (185, 192, 200)
_INK, _GRID = (40, 40, 40), (225, 228, 232)


def _step(top: int) -> int:
    """A round tick step giving at most about six gridlines."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if top / step <= 6:
            return step
    return max(1, top // 6)


def chart_png(figures: ReviewFigures) -> bytes:
    """A bar chart of inbound contacts per month, the previous year's beside each (PNG)."""
    image = Image.new("RGB", (_WIDTH, _HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=26)
    small = ImageFont.load_default(size=22)
    title = ImageFont.load_default(size=34)

    months = figures.months
    top = max([1, *(m.total for m in months), *(m.previous_total for m in months)])
    step = _step(top)
    ceiling = -(-top // step) * step
    plot_w, plot_h = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM

    def y_of(value: int) -> float:
        return _TOP + plot_h - plot_h * value / ceiling

    draw.text((_LEFT, 30), "Inbound contacts per month", fill=_INK, font=title)
    for value in range(0, ceiling + 1, step):
        y = y_of(value)
        draw.line([(_LEFT, y), (_WIDTH - _RIGHT, y)], fill=_GRID, width=2)
        draw.text((_LEFT - 14, y), str(value), fill=_INK, font=font, anchor="rm")
    draw.line([(_LEFT, _TOP + plot_h), (_WIDTH - _RIGHT, _TOP + plot_h)], fill=_INK, width=3)

    group = plot_w / max(1, len(months))
    bar = group * 0.34
    for i, month in enumerate(months):
        x = _LEFT + i * group + group * 0.14
        for offset, value, colour in (
            (0.0, month.previous_total, _PREVIOUS),
            (bar, month.total, _CURRENT),
        ):
            if value:
                draw.rectangle([x + offset, y_of(value), x + offset + bar, y_of(0)], fill=colour)
        if month.total:
            draw.text(
                (x + bar * 1.5, y_of(month.total) - 6),
                str(month.total),
                fill=_INK,
                font=small,
                anchor="md",
            )
        draw.multiline_text(
            (_LEFT + i * group + group / 2, _TOP + plot_h + 14),
            month.short_label,
            fill=_INK,
            font=small,
            anchor="ma",
            align="center",
        )

    legend_x = _WIDTH - _RIGHT - 620
    for j, (label, colour) in enumerate(
        (("Last 12 months", _CURRENT), ("The 12 months before", _PREVIOUS))
    ):
        lx = legend_x + j * 310
        draw.rectangle([lx, 42, lx + 28, 70], fill=colour)
        draw.text((lx + 40, 56), label, fill=_INK, font=font, anchor="lm")

    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
