"""The demo period and when leads arrive in it: growing over time, quiet at weekends, around
Christmas and in August, busiest during office hours. Times are whole seconds since the epoch."""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

DAY = 86_400

# Share of a day's leads per UTC hour (DACH office hours are UTC+1/+2).
_HOURS = (
    0.3,
    0.2,
    0.15,
    0.15,
    0.2,
    0.5,
    1.2,
    2.5,
    3.5,
    3.8,
    3.6,
    3.0,
    3.2,
    3.4,
    3.2,
    2.8,
    2.2,
    1.8,
    1.6,
    1.5,
    1.3,
    1.0,
    0.7,
    0.5,
)
_WEEKDAY = (1.0, 1.05, 1.05, 1.0, 0.85, 0.3, 0.25)


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_first = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (next_first - timedelta(days=1)).day))


def epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


@dataclass(frozen=True, slots=True)
class Period:
    """Days `start` … `end - 1`; demo data ends before `end` (the `today` it was made for)."""

    start: date
    end: date

    @classmethod
    def ending(cls, today: date, months: int) -> Period:
        if months < 1:
            raise ValueError("the demo period needs at least one month")
        return cls(months_before(today, months), today)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def start_ts(self) -> int:
        return epoch(self.start)

    @property
    def end_ts(self) -> int:
        return epoch(self.end)

    def day(self, index: int) -> date:
        return self.start + timedelta(days=index)


def _season(day: date) -> float:
    if (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 6):
        return 0.45
    if day.month == 8:
        return 0.8
    return 1.0


class CreationClock:
    """Maps a quantile in [0, 1) to a creation time; monotonic, so lead ids follow time."""

    def __init__(self, period: Period, growth: float = 2.2) -> None:
        self.period = period
        days = period.days
        rate = math.log(growth) / max(days - 1, 1)
        weights = []
        for i in range(days):
            day = period.day(i)
            weights.append(math.exp(rate * i) * _WEEKDAY[day.weekday()] * _season(day))
        self._weights = weights
        self._cum = list(accumulate(weights))
        total_hours = sum(_HOURS)
        self._hours_cum = [c / total_hours for c in accumulate(_HOURS)]
        self._hours_cum[-1] = 1.0
        self._start = period.start_ts

    def at(self, q: float) -> int:
        target = q * self._cum[-1]
        day = min(bisect_right(self._cum, target), len(self._cum) - 1)
        before = self._cum[day - 1] if day else 0.0
        within = min(max((target - before) / self._weights[day], 0.0), 0.999999)
        hour = bisect_right(self._hours_cum, within)
        hour_start = self._hours_cum[hour - 1] if hour else 0.0
        hour_share = (within - hour_start) / (self._hours_cum[hour] - hour_start)
        return self._start + day * DAY + hour * 3600 + int(hour_share * 3600)
