"""Results: every problem of an import with its line and column."""

import re
from collections import Counter

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _
from import_export.results import Result, RowResult


class Problem:
    """A message, with the line of the file and the column (or columns) it is
    about, when known. ``column`` is a column's name or a tuple of names."""

    def __init__(self, message, line=None, column=None):
        self.message = message
        self.line = line
        self.column = column

    def __str__(self):
        if self.line and self.column:
            return f"Line {self.line}, {_columns(self.column)}: {self.message}"
        if self.line:
            return f"Line {self.line}: {self.message}"
        return self.message

    def __repr__(self):
        return f"<Problem {self}>"

    @property
    def kind(self):
        """The problem without its line and the values it quotes, for counting
        problems alike: 'column "host": Unknown country code "…".'"""
        message = _QUOTED.sub(lambda m: m.group(1) + "…" + m.group(3), self.message)
        return f"{_columns(self.column)}: {message}" if self.column else message


_QUOTED = re.compile(r'(["“])([^"”]*)(["”])')

#: How many problems a report lists in full; the others are counted by kind.
LISTED_PROBLEMS = 100


class ProblemReport:
    """An import's problems as a person reads them: the first
    :data:`LISTED_PROBLEMS` in full, then how many more of each kind (a file of
    bad rows once gave a 67.8 MB page listing 563,570 problems)."""

    def __init__(self, problems, listed=LISTED_PROBLEMS):
        self.total = len(problems)
        self.listed = problems[:listed]
        self.more = Counter(problem.kind for problem in problems[listed:]).most_common()

    def __len__(self):
        return self.total

    def as_dict(self):
        """The report as JSON keeps it (a background job's, ``CsvJob.problems``)."""
        return {
            "total": self.total,
            "listed": [str(problem) for problem in self.listed],
            "more": [[kind, count] for kind, count in self.more],
        }

    @classmethod
    def from_dict(cls, data):
        """A report kept by :meth:`as_dict`, its problems as their text."""
        report = cls([])
        report.total = data.get("total", 0)
        report.listed = data.get("listed", [])
        report.more = [tuple(pair) for pair in data.get("more", [])]
        return report

    def lines(self):
        """The report as lines of text (the command line's)."""
        yield from (str(problem) for problem in self.listed)
        if self.more:
            yield f"… and {self.total - len(self.listed)} more:"
            yield from (f"{count} × {kind}" for kind, count in self.more)


def _columns(column):
    if isinstance(column, str):
        return f'column "{column}"'
    names = [f'"{name}"' for name in column]
    return f"columns {', '.join(names[:-1])} and {names[-1]}"


class ImportProblem(Exception):
    """A problem with the file as a whole, such as its header."""


class CsvRowResult(RowResult):
    def __init__(self):
        super().__init__()
        self.line = None
        self.key = ""
        self.changes = []  # (column, old, new) for updated rows

    @property
    def status(self):
        return {
            self.IMPORT_TYPE_NEW: _("new"),
            self.IMPORT_TYPE_UPDATE: _("updated"),
            self.IMPORT_TYPE_SKIP: _("unchanged"),
        }.get(self.import_type, self.import_type)


class CsvResult(Result):
    """A result that can list its problems as "Line N, column C: message"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_numbers = None
        self.headers = []
        self.file_name = ""
        #: What to check before confirming, which does not stop the import (the
        #: people it creates), as :class:`Problem` objects.
        self.notes = []

    def line(self, number):
        """The line of the file on which row ``number`` (from 1) starts."""
        if self.line_numbers and 0 < number <= len(self.line_numbers):
            return self.line_numbers[number - 1]
        return number + 1

    def problems(self):
        found = [Problem(error_message(error.error)) for error in self.base_errors]
        for row in self.rows:
            for error in row.errors:
                found.append(Problem(error_message(error.error), row.line))
        for row in self.invalid_rows:
            line = self.line(row.number)
            for column, messages in row.error_dict.items():
                column = None if column == NON_FIELD_ERRORS else column
                for message in messages:
                    found.append(Problem(message, line, column))
        return sorted(found, key=self.position)

    def problem_report(self):
        return ProblemReport(self.problems())

    def position(self, problem):
        """Problems are listed by line, and on a line in the order of the columns
        (a problem of the whole row first)."""
        column = problem.column
        first = column if isinstance(column, str) or column is None else column[0]
        where = self.headers.index(first) if first in self.headers else -1
        return (problem.line or 0, where)

    @property
    def failed(self):
        return self.has_errors() or self.has_validation_errors()

    def summary(self):
        totals = self.totals
        return (
            f"{totals[RowResult.IMPORT_TYPE_NEW]} new, "
            f"{totals[RowResult.IMPORT_TYPE_UPDATE]} updated, "
            f"{totals[RowResult.IMPORT_TYPE_SKIP]} unchanged"
        )


def error_message(error):
    if isinstance(error, ImportProblem):
        return str(error)
    if isinstance(error, DatabaseError):
        return (
            f"The database refused the changes, so nothing was saved: {error}. "
            "Check the rows against docs/csv-format.md and try again."
        )
    return f"This could not be imported ({type(error).__name__}: {error})."


def explain_database_error(model, error):
    """A database error that names one of ``model``'s constraints, in the
    constraint's own words; any other error as it is."""
    text = str(error)
    for constraint in model._meta.constraints:
        if constraint.name in text:
            return ImportProblem(
                "The database refused the changes, so nothing was saved: "
                f"{constraint.get_violation_error_message()} ({constraint.name})"
            )
    return error
