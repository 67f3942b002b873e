"""Time source of the core, swappable so tests (and authorisation expiry) use a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta


def iso_ms(moment: datetime) -> str:
    """UTC ISO 8601 with milliseconds and a Z: the one timestamp format stored in the vault."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Read an ISO date or datetime (naive values are UTC); raises ValueError."""
    text = text.strip()
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def user_instant(field: str, text: str, *, bare_date_offset: timedelta = timedelta(0)) -> str:
    """A stored timestamp from a date or date-time a person typed. A bare date means the start
    of that day, moved by ``bare_date_offset`` (a day, or a day less a millisecond, for 'through
    that day'). Raises ``ValidationError`` naming the field."""
    from .errors import ValidationError

    text = text.strip()
    try:
        moment = parse_iso(text)
    except ValueError as exc:
        raise ValidationError(field, f"'{text}' is not a date (use YYYY-MM-DD or an ISO date-time)") from exc
    if len(text) == 10:
        moment += bare_date_offset
    return iso_ms(moment)


class Clock:
    """Wall clock. ``now()`` is always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def now_iso(self) -> str:
        return iso_ms(self.now())


class FixedClock(Clock):
    """A clock that only moves when told to: the one stand-in tests may use."""

    def __init__(self, start: datetime | str) -> None:
        self._now = parse_iso(start) if isinstance(start, str) else start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)

    def set(self, moment: datetime | str) -> None:
        self._now = parse_iso(moment) if isinstance(moment, str) else moment


ClockFactory = Callable[[], Clock]
