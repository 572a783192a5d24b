"""The published dataset for anyone to download, as JSON and as CSV.

The records follow the staff CSV contract (docs/csv-format.md): the same kinds, the
same columns in the same order, natural keys instead of database ids, partial
dates as ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``. Only published rows appear, and
a published row never points at an unpublished one (such a reference is left
empty, or left out of a list of sources).
"""

import csv
import io

from django.db.models import Prefetch

from .models import Attendance, Country, Meeting, Pledge, Source

LICENCE = {
    "name": "Creative Commons Attribution-ShareAlike 4.0 International",
    "short_name": "CC BY-SA 4.0",
    "url": "https://creativecommons.org/licenses/by-sa/4.0/",
}
ATTRIBUTION = (
    "Central Asia plus Japan Dialogue dataset; texts derived from the encyclopaedia "
    "article “Central Asia plus Japan” (CC BY-SA)."
)

KINDS = ("countries", "sources", "meetings", "attendees", "pledges")

COLUMNS = {
    "countries": ("code", "name", "role", "joined_on", "summary"),
    "sources": ("slug", "title", "publisher", "url", "published_on"),
    "meetings": (
        "slug",
        "kind",
        "number",
        "title",
        "status",
        "start_date",
        "end_date",
        "city",
        "host",
        "format",
        "summary",
        "sources",
    ),
    "attendees": ("meeting", "person", "position", "country", "capacity"),
    "pledges": (
        "slug",
        "donor",
        "amount",
        "currency",
        "approximate",
        "announced_on",
        "meeting",
        "purpose",
        "sources",
    ),
}


def _published_sources():
    return Prefetch(
        "sources",
        queryset=Source.objects.published().order_by("slug"),
        to_attr="public_sources",
    )


def _date(value):
    return value.isoformat() if value else None


def _partial(partial):
    return partial.isoformat() or None


def published_countries():
    return Country.objects.published().order_by("code")


def published_sources():
    return Source.objects.published().order_by("slug")


def published_meetings():
    return (
        Meeting.objects.published()
        .select_related("host")
        .prefetch_related(_published_sources())
        .chronological()
    )


def published_attendees():
    return (
        Attendance.objects.public()
        .filter(meeting__published=True, country__published=True)
        .select_related("meeting", "person", "country")
        .order_by("meeting__start_date", "meeting__slug", "country__code", "pk")
    )


def published_pledges():
    return (
        Pledge.objects.published()
        .filter(donor__published=True)
        .select_related("donor", "meeting")
        .prefetch_related(_published_sources())
        .order_by("slug")
    )


def _host(meeting):
    return meeting.host.code if meeting.host and meeting.host.published else None


def _meeting_slug(meeting):
    return meeting.slug if meeting and meeting.published else None


def records(kind):
    """The published records of ``kind`` as dicts with JSON types."""
    if kind == "countries":
        return [
            {
                "code": c.code,
                "name": c.name,
                "role": c.role,
                "joined_on": _date(c.joined_on),
                "summary": c.summary,
            }
            for c in published_countries()
        ]
    if kind == "sources":
        return [
            {
                "slug": s.slug,
                "title": s.title,
                "publisher": s.publisher,
                "url": s.url,
                "published_on": _date(s.published_on),
            }
            for s in published_sources()
        ]
    if kind == "meetings":
        return [
            {
                "slug": m.slug,
                "kind": m.kind,
                "number": m.number,
                "title": m.title,
                "status": m.status,
                "start_date": _partial(m.start),
                "end_date": _partial(m.end),
                "city": m.city,
                "host": _host(m),
                "format": m.format or None,
                "summary": m.summary,
                "sources": [s.slug for s in m.public_sources],
            }
            for m in published_meetings()
        ]
    if kind == "attendees":
        return [
            {
                "meeting": a.meeting.slug,
                "person": a.person.slug if a.person else None,
                "position": a.position,
                "country": a.country.code,
                "capacity": a.capacity,
            }
            for a in published_attendees()
        ]
    if kind == "pledges":
        return [
            {
                "slug": p.slug,
                "donor": p.donor.code,
                "amount": f"{p.amount.normalize():f}",
                "currency": p.currency,
                "approximate": p.approximate,
                "announced_on": _partial(p.announced),
                "meeting": _meeting_slug(p.meeting),
                "purpose": p.purpose,
                "sources": [s.slug for s in p.public_sources],
            }
            for p in published_pledges()
        ]
    raise ValueError(f"Unknown kind of record: {kind!r}.")


def dataset(request):
    """The whole published dataset as one JSON-ready dict."""
    data = {
        "title": "Central Asia plus Japan Dialogue: published dataset",
        "licence": LICENCE,
        "attribution": ATTRIBUTION,
        "source": request.build_absolute_uri("/"),
    }
    data.update((kind, records(kind)) for kind in KINDS)
    return data


def csv_cell(value):
    """A JSON value as the CSV contract writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def csv_text(kind):
    """The published records of ``kind`` as CSV text in the contract's columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS[kind])
    for record in records(kind):
        writer.writerow(csv_cell(record[column]) for column in COLUMNS[kind])
    return buffer.getvalue()
