"""Dates that are known only to the day, the month, the year, or not at all.

A partial date is stored as two columns: a ``DateField`` holding the first day of
the known period (``None`` when unknown) and a precision. Everything that reads or
writes such a date (templates, forms, CSV) goes through :class:`PartialDate`.
"""

import datetime
import re
from dataclasses import dataclass

from django.db import models
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _


class Precision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")
    UNKNOWN = "unknown", _("unknown")


_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), Precision.DAY),
    (re.compile(r"^(\d{4})-(\d{2})$"), Precision.MONTH),
    (re.compile(r"^(\d{4})$"), Precision.YEAR),
)


@dataclass(frozen=True)
class PartialDate:
    date: datetime.date | None
    precision: str = Precision.DAY

    def __post_init__(self):
        if self.date is None and self.precision != Precision.UNKNOWN:
            object.__setattr__(self, "precision", Precision.UNKNOWN)
        if self.date is not None:
            # A date with "unknown" precision is refused by the database; shown
            # before it is saved (say, in a form's error page), it reads as a day.
            if self.precision == Precision.UNKNOWN:
                object.__setattr__(self, "precision", Precision.DAY)
            if self.precision in (Precision.MONTH, Precision.YEAR):
                month = 1 if self.precision == Precision.YEAR else self.date.month
                object.__setattr__(self, "date", self.date.replace(month=month, day=1))

    @classmethod
    def parse(cls, text):
        """Read ``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY`` or an empty string.

        Raises ``ValueError`` with a message a person can act on.
        """
        text = (text or "").strip()
        if not text:
            return cls(None, Precision.UNKNOWN)
        for pattern, precision in _PATTERNS:
            match = pattern.match(text)
            if match:
                parts = [int(p) for p in match.groups()] + [1, 1]
                try:
                    return cls(datetime.date(*parts[:3]), precision)
                except ValueError:
                    break
        raise ValueError(
            f'"{text}" is not a date: use YYYY-MM-DD, YYYY-MM, YYYY or leave it empty.'
        )

    @property
    def known(self):
        return self.date is not None

    @property
    def last_day(self):
        """The last day of the known period, for comparisons."""
        if self.date is None:
            return None
        if self.precision == Precision.YEAR:
            return self.date.replace(month=12, day=31)
        if self.precision == Precision.MONTH:
            next_month = self.date.replace(day=28) + datetime.timedelta(days=4)
            return next_month - datetime.timedelta(days=next_month.day)
        return self.date

    def isoformat(self):
        """The CSV form: as much of ``YYYY-MM-DD`` as is known."""
        if self.date is None:
            return ""
        if self.precision == Precision.YEAR:
            return f"{self.date.year:04d}"
        if self.precision == Precision.MONTH:
            return f"{self.date.year:04d}-{self.date.month:02d}"
        return self.date.isoformat()

    def __str__(self):
        if self.date is None:
            return str(_("date unknown"))
        month = str(MONTHS[self.date.month])
        if self.precision == Precision.YEAR:
            return str(self.date.year)
        if self.precision == Precision.MONTH:
            return f"{month} {self.date.year}"
        return f"{self.date.day} {month} {self.date.year}"


def format_range(start, end):
    """Say a span of partial dates as briefly as is honest."""
    if not end.known or end == start:
        return str(start)
    if not start.known:
        return f"{start} – {end}"
    if (
        start.precision == end.precision == Precision.DAY
        and start.date.year == end.date.year
    ):
        if start.date.month == end.date.month:
            return f"{start.date.day}–{end}"
        return f"{start.date.day} {MONTHS[start.date.month]} – {end}"
    return f"{start} – {end}"


def precision_constraints(date_field, precision_field, prefix):
    """Database checks keeping a date and its precision in agreement."""
    unknown = models.Q(**{precision_field: Precision.UNKNOWN})
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"{precision_field}__in": Precision.values}),
            name=f"{prefix}_{precision_field}_valid",
        ),
        models.CheckConstraint(
            condition=(unknown & models.Q(**{f"{date_field}__isnull": True}))
            | (~unknown & models.Q(**{f"{date_field}__isnull": False})),
            name=f"{prefix}_{date_field}_matches_precision",
            violation_error_message=_(
                "A date and how precisely it is known must agree: an empty date "
                "is 'unknown', a given date is known to the day, month or year."
            ),
        ),
    ]
