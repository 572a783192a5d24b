"""“Did you mean”: public names close to a search that found little.

A visitor who types "Genba" for Gemba, "Tashkend" or "Kazakstan" finds nothing,
since search looks for the words as typed (folded). The names worth suggesting
are those a visitor looks for: public people (their names in every script),
participants and the cities of public meetings. Closeness is difflib's ratio
(Python's standard library), of the words typed against each name and against
each run of as many words in it ("genba" against "gemba" in "Koichiro Gemba").

Which names are compared, so that the cost stays the same however many there are:

- participants: every public one (a few dozen at most, by nature);
- cities: the distinct cities of public meetings (the few dozen places the
  Dialogue meets, however many meetings it holds);
- people (some 300,000 at full scale): on PostgreSQL, those pg_trgm's
  word-similarity operator (``%>``) finds through the trigram index on their
  folded names (migration 0008) at a threshold below its default (0.3, set for
  the connection in capj/settings/base.py: "genba" is 0.5 to "gemba"), at most
  :data:`POOL` of them, the most similar first; difflib then ranks those as it
  ranks the rest, so both databases suggest by one rule. SQLite has no trigram
  index (the development database, where search scans anyway): there the first
  :data:`POOL` public people by name are compared.

Drafts are never suggested: every pool is read through ``public()``.
"""

from difflib import SequenceMatcher

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordDistance
from django.db import connection
from django.db.models import F

from .jinja2 import lines
from .models import Country, Meeting, Person
from .text import fold

#: At most this many names of each kind are compared.
POOL = 2000
#: How close a name must be (difflib's ratio, 0 to 1) to be suggested.
CUTOFF = 0.75
#: How many names are suggested.
SUGGESTED = 3


def closeness(needle, name):
    """How close the folded words ``needle`` are to ``name``: the best ratio
    against the whole name or a run of as many words in it."""
    folded = fold(name)
    words, size = folded.split(), len(needle.split())
    runs = {folded, *(" ".join(words[i : i + size]) for i in range(len(words)))}
    return max(SequenceMatcher(None, needle, run).ratio() for run in runs)


def people_names(needle):
    """The names of the public people whose names are worth comparing."""
    people = Person.objects.public()
    if connection.vendor == "postgresql":
        found = list(
            people.filter(TrigramWordSimilar(F("search_text"), needle))
            .order_by(TrigramWordDistance(needle, "search_text"), "pk")
            .values_list("name", "other_names")[:POOL]
        )
    else:
        found = list(
            people.order_by("sort_name", "pk").values_list("name", "other_names")[:POOL]
        )
    return [name for main, other in found for name in (main, *lines(other))]


def place_names():
    """The names of the public participants and the cities of public meetings,
    in one query."""
    countries = Country.objects.public().order_by().values_list("name")
    cities = (
        Meeting.objects.public()
        .exclude(city="")
        .order_by()
        .values_list("city")
        .distinct()
    )
    return [name for (name,) in countries.union(cities)]


def suggestions(query):
    """Up to :data:`SUGGESTED` public names close to ``query``, the closest first;
    none that already hold the words (search found those)."""
    needle = fold((query or "").strip())
    if len(needle) < 3:
        return []
    scored = {}
    for name in [*people_names(needle), *place_names()]:
        if needle in fold(name) or name in scored:
            continue
        score = closeness(needle, name)
        if score >= CUTOFF:
            scored[name] = score
    ranked = sorted(scored, key=lambda name: (-scored[name], name))
    return ranked[:SUGGESTED]
