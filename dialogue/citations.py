"""Numbered references, as in a good encyclopaedia.

A view puts one :class:`Citations` in its context; a template's ``cite(obj)``
(dialogue/jinja2.py) numbers the sources of ``obj`` in order of first use, and the
references list at the foot of the page (``includes/references.html``) shows each
number once. A record's sources are its ``sources``, prefetched by the page's
selector (``selectors.public_sources()``).
"""


class Citations:
    def __init__(self):
        self._numbers = {}
        self.sources = []

    def number(self, source):
        if source.pk not in self._numbers:
            self.sources.append(source)
            self._numbers[source.pk] = len(self.sources)
        return self._numbers[source.pk]

    def cite(self, obj):
        """The (number, source) pairs for the public sources of ``obj``."""
        sources = getattr(obj, "public_sources", None)
        if sources is None:
            # A page that did not prefetch them (selectors.public_sources()).
            sources = [source for source in obj.sources.all() if source.is_public_now]
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
