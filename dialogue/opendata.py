"""The published dataset for anyone to download, as CSV and as JSON.

The CSV files are the staff export (``dialogue.resources``: the nine files of the
dataset commands, people, documents, document points and pages included; the
contract's columns in the same order, natural keys instead of database ids, partial
dates as ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``, formula-safe cells, a BOM for
spreadsheets) restricted to what the site shows: published rows whose parent is
published too (an attendee of a draft meeting, a point of a draft document). A
published row never points at an unpublished one: such a reference is left empty,
with what describes it (a draft author's position), or left out of a list of
sources, as the record's page leaves them out. The JSON holds the very same rows,
with JSON types instead of strings (a person's other names as a list, one name per
line of the CSV cell).
"""

from django.db.models import Count, Value

from .csv.dataset import FULL_DATASET
from .csv.files import write_csv
from .models.base import public_or_none, public_value

LICENCE = {
    "name": "Creative Commons Attribution-ShareAlike 4.0 International",
    "short_name": "CC BY-SA 4.0",
    "url": "https://creativecommons.org/licenses/by-sa/4.0/",
}
ATTRIBUTION = (
    "Central Asia plus Japan Dialogue dataset; texts derived from the encyclopaedia "
    "article “Central Asia plus Japan” (CC BY-SA)."
)

#: kind ("meetings") -> the staff resource for its file ("meetings.csv"), every
#: file of the dataset in the order they are imported.
RESOURCES = {
    resource.file_name.removesuffix(".csv"): resource for resource in FULL_DATASET
}
KINDS = tuple(RESOURCES)
COLUMNS = {kind: tuple(resource.columns()) for kind, resource in RESOURCES.items()}

#: Columns whose referenced record must itself be public (``public_or_none``); a
#: column that describes one (``public_with``) goes with it.
PUBLIC_REFERENCES = ("host", "meeting", "author")


def public_queryset(kind):
    resource = RESOURCES[kind]()
    return resource.get_queryset().public()


def public_resource(kind):
    """The staff resource for ``kind``, exporting only what visitors may see."""
    base = RESOURCES[kind]

    class PublicResource(base):
        def iter_queryset(self, queryset):
            for obj in super().iter_queryset(queryset):
                if hasattr(obj, "_csv_sources"):
                    obj._csv_sources = tuple(
                        source for source in obj._csv_sources if source.is_public_now
                    )
                for name in PUBLIC_REFERENCES:
                    if name in self.fields:
                        setattr(obj, name, public_or_none(getattr(obj, name)))
                # Then what describes a reference left out (its author's position).
                for name in obj.public_with:
                    if name in self.fields:
                        setattr(obj, name, public_value(obj, name))
                yield obj

    PublicResource.__name__ = f"Public{base.__name__}"
    return PublicResource()


def export(kind):
    """The published rows of ``kind`` as a tablib Dataset in the CSV contract."""
    if kind not in RESOURCES:
        raise ValueError(f"Unknown kind of record: {kind!r}.")
    return public_resource(kind).export(public_queryset(kind))


def csv_text(kind):
    return write_csv(export(kind))


def _typed(column, value):
    """A CSV cell as a JSON value: lists, numbers, booleans, null for empty."""
    if column == "sources":
        return [slug for slug in value.split(";") if slug]
    if column == "other_names":
        return [line.strip() for line in value.splitlines() if line.strip()]
    if value in ("", None):
        return None
    if column in ("number", "menu_order"):
        return int(value)
    if column in ("approximate", "is_quotation"):
        return value == "true"
    return value


def records(kind):
    """The published rows of ``kind`` as dicts, column by column."""
    dataset = export(kind)
    return [
        {
            column: _typed(column, value)
            for column, value in zip(dataset.headers, row, strict=True)
        }
        for row in dataset
    ]


def counts_query():
    """How many published rows each file holds, as ``(kind, rows)`` pairs: one count
    per kind, each over the same rows as its file, in a single UNION ALL."""
    parts = [
        RESOURCES[kind]
        ._meta.model.objects.public()
        .order_by()
        .annotate(dataset_file=Value(kind))
        .values("dataset_file")
        .annotate(rows=Count("pk"))
        .values_list("dataset_file", "rows")
        for kind in KINDS
    ]
    return parts[0].union(*parts[1:], all=True)


def counts():
    """How many published rows each file holds, e.g. ``{"meetings": 6, ...}``."""
    found = dict(counts_query())
    # A kind with no public rows counts 0, whether or not the database gave a row.
    return {kind: found.get(kind, 0) for kind in KINDS}


def dataset(request):
    """The whole published dataset as one JSON-ready dict."""
    data = {
        "title": "Central Asia plus Japan Dialogue: published dataset",
        "licence": LICENCE,
        "attribution": ATTRIBUTION,
        "source": request.build_absolute_uri("/"),
        "columns": {kind: list(columns) for kind, columns in COLUMNS.items()},
    }
    data.update((kind, records(kind)) for kind in KINDS)
    return data
