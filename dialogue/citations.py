"""Numbered references, as in a good encyclopaedia.

A view puts one :class:`Citations` in its context; a template's ``cite(obj)``
(dialogue/jinja2.py) numbers the sources of ``obj`` in order of first use, and the
references list at the foot of the page (``includes/references.html``) shows each
number once.

A record's sources come from its prefetched ``sources``, or, for a page that read
the sources of all its records at once, from :func:`sources_by_record`.
"""

from .models import Source


def citing(model, **records):
    """``(model label, record key, source key)`` rows for the sources of the
    ``model`` records that ``records`` selects (a lookup on the link table, e.g.
    ``meeting=...`` or ``pledge__in=...``): a part for
    :func:`~dialogue.statements.union_all`, whose rows :func:`sources_by_record`
    reads."""
    name = model._meta.model_name
    return (
        model._meta.label_lower,
        model.sources.through.objects.filter(**records).values(
            f"{name}_id", "source_id"
        ),
    )


def sources_by_record(rows, shown=None):
    """``{(model label, record key): [published sources]}`` from ``(model label,
    record key, source key)`` rows, with one query for the sources; each record's
    sources in the order ``record.sources.all()`` gives them. With ``shown``, only
    for those ``(model label, record key)``: the records the page shows."""
    citing = {}
    for label, record, source in rows:
        if shown is None or (label, record) in shown:
            citing.setdefault(source, []).append((label, record))
    by_record = {}
    for source in Source.objects.published().filter(pk__in=citing):
        for record in citing[source.pk]:
            by_record.setdefault(record, []).append(source)
    return by_record


def sources_of(model, keys):
    """:func:`sources_by_record`'s mapping for the ``model`` records with these
    keys, in one query on their links to published sources."""
    name = model._meta.model_name
    links = (
        model.sources.through.objects.filter(
            **{f"{name}_id__in": keys, "source__published": True}
        )
        .select_related("source")
        .order_by(*(f"source__{field}" for field in Source._meta.ordering), "source")
    )
    by_record = {}
    for link in links:
        key = (model._meta.label_lower, getattr(link, f"{name}_id"))
        by_record.setdefault(key, []).append(link.source)
    return by_record


class Citations:
    def __init__(self, by_record=None):
        self._numbers = {}
        self.sources = []
        #: The sources of each record, when the page read them all at once.
        self.by_record = by_record

    def number(self, source):
        if source.pk not in self._numbers:
            self.sources.append(source)
            self._numbers[source.pk] = len(self.sources)
        return self._numbers[source.pk]

    def cite(self, obj):
        """The (number, source) pairs for the published sources of ``obj``."""
        if self.by_record is not None:
            key = getattr(obj, "citation_key", None) or (obj._meta.label_lower, obj.pk)
            sources = self.by_record.get(key, ())
        else:
            sources = [source for source in obj.sources.all() if source.published]
        return sorted(
            ((self.number(source), source) for source in sources),
            key=lambda pair: pair[0],
        )

    def numbered(self):
        return list(enumerate(self.sources, start=1))


class CitationsMixin:
    """Gives a view's template a fresh :class:`Citations`."""

    def get_context_data(self, **kwargs):
        kwargs.setdefault("citations", Citations())
        return super().get_context_data(**kwargs)
