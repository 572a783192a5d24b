"""Statements built once per process, run with new values on every request.

Some queries run on every page view cost far more to build through the ORM (a
dozen folded comparisons, a UNION of counts, semi-joins) than the database takes
to answer them. A :class:`Statement` builds such a query once per process and
database, with stand-ins where the request's values go, keeps its SQL, and from
then on only swaps the values in. It answers rows of plain values: keys, counts,
or the fields a list shows (dialogue/rows.py makes those into what a template
uses); the record a page is about still comes from an ordinary queryset.
"""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F, Func

#: Stand for a record's primary key, and for a slice's size and start, in a
#: statement: no record has a negative key, no slice a negative size or start.
ID_STAND_IN = -(2**31) + 1
LIMIT_STAND_IN = -(2**31) + 2
OFFSET_STAND_IN = -(2**31) + 3


class Statement:
    """``build(*stand_ins)`` gives a values queryset, or ``(sql, params)``;
    :meth:`rows` runs its SQL with ``values`` in place of the stand-ins.

    Each stand-in must be a value no request can hold (a text with a NUL
    character, which no form field lets through; a negative primary key) and must
    reach the parameters unchanged: the first build checks that it does.
    """

    def __init__(self, build, *stand_ins):
        self.build = build
        self.stand_ins = stand_ins
        self._built = {}

    def sql(self, connection):
        key = (connection.alias, connection.vendor)
        if key not in self._built:
            built = self.build(*self.stand_ins)
            if not isinstance(built, tuple):
                built = built.query.sql_with_params()
            sql, params = built
            for stand_in in self.stand_ins:
                if not any(self._is(param, stand_in) for param in params):
                    raise ValueError(
                        f"{self.build.__qualname__}: the stand-in {stand_in!r} is "
                        "not among the statement's parameters."
                    )
            self._built[key] = (sql, tuple(params))
        return self._built[key]

    @staticmethod
    def _is(param, stand_in):
        return type(param) is type(stand_in) and param == stand_in

    def rows(self, *values, using=DEFAULT_DB_ALIAS):
        """The statement's rows, as tuples, for ``values`` (one per stand-in)."""
        if len(values) != len(self.stand_ins):
            raise TypeError(
                f"{self.build.__qualname__}: one value per stand-in is needed "
                f"({len(self.stand_ins)}), not {len(values)}."
            )
        connection = connections[using]
        sql, params = self.sql(connection)
        params = [
            next(
                (
                    value
                    for stand_in, value in zip(self.stand_ins, values, strict=True)
                    if self._is(param, stand_in)
                ),
                param,
            )
            for param in params
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def grouped(self, *values, using=DEFAULT_DB_ALIAS):
        """The rows of a :func:`union_all` statement by their parts' labels:
        ``{label: [value, ...]}`` for two columns, ``{label: [(values...), ...]}``
        for more. A part with no row has no label."""
        groups = {}
        for label, *rest in self.rows(*values, using=using):
            groups.setdefault(label, []).append(rest[0] if len(rest) == 1 else rest)
        return groups


def union_all(parts):
    """``(sql, params)`` of ``SELECT label, <columns> FROM (<part>)`` for each
    ``(label, queryset)`` in ``parts``, joined by UNION ALL; each part keeps its own
    order and slice (which SQLite refuses in a bare compound statement)."""
    pieces, all_params = [], []
    for number, (label, queryset) in enumerate(parts):
        sql, params = queryset.query.sql_with_params()
        pieces.append(f'SELECT %s, "part_{number}".* FROM ({sql}) "part_{number}"')
        all_params += [label, *params]
    return " UNION ALL ".join(pieces), tuple(all_params)


def count_of(queryset):
    """A one-row query counting ``queryset``'s rows (for :func:`union_all`)."""
    return queryset.order_by().values(rows=Func(F("pk"), function="COUNT"))


def sliced(queryset):
    """``(sql, params)`` of an ordered ``queryset`` with its slice's size and start
    as parameters (the ORM writes them into the SQL): for :class:`RowsPage`."""
    sql, params = queryset.query.sql_with_params()
    return f"{sql} LIMIT %s OFFSET %s", (*params, LIMIT_STAND_IN, OFFSET_STAND_IN)


class RowsPage:
    """A statement's rows as a sequence a Paginator can page through: its length
    is counted beforehand, and a slice runs the statement for those rows only.

    The statement takes ``values`` first, then the slice's size and start (see
    :func:`sliced`); ``row`` makes each row into what the page shows.
    """

    def __init__(self, statement, values, count, row=tuple):
        self.statement, self.values, self.length, self.row = (
            statement,
            values,
            count,
            row,
        )

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("RowsPage takes a slice with no step.")
        start, stop, _step = index.indices(self.length)
        if stop <= start:
            return []
        rows = self.statement.rows(*self.values, stop - start, start)
        return [self.row(*row) for row in rows]
