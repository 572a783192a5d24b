"""A large dataset on top of the seed: many times its meetings, attendees and pledges.

Used by the query-count tests (the number of SQL queries of a page must not grow
with the data) and by the page benchmark (bench/pages.py). Everything is written in
bulk and linked to the seed's own countries, people and sources, so the seed's pages
(a country's page, a person's page, a source's page) grow along with the lists.
"""

import datetime
import itertools
from decimal import Decimal

from dialogue.cache import bump_content_version
from dialogue.models import Attendance, Country, Meeting, Person, Pledge, Source

KINDS = [kind for kind, _label in Meeting.Kind.choices]


def build_large(factor=100):
    """Add ``factor`` times the meetings, attendees and pledges already there.

    Returns ``{"meetings": n, "attendees": n, "pledges": n}``, the rows added.
    """
    countries = list(Country.objects.order_by("code"))
    people = list(Person.objects.order_by("slug"))
    sources = list(Source.objects.order_by("slug"))
    meeting_count = max(Meeting.objects.count(), 1) * factor
    attendee_count = max(Attendance.objects.count(), 1) * factor
    pledge_count = max(Pledge.objects.count(), 1) * factor

    start = datetime.date(2005, 1, 1)
    meetings = [
        Meeting(
            published=True,
            status="held",
            slug=f"generated-{i}",
            kind=KINDS[i % len(KINDS)],
            number=1000 + i,
            title=f"Generated meeting {i}",
            start_date=start + datetime.timedelta(days=(i * 7) % 7300),
            start_precision="day",
            city="Tokyo" if i % 2 else "Astana",
            host=countries[i % len(countries)],
            format="in_person",
            summary=f"A meeting made for measuring, number {i}.",
        )
        for i in range(meeting_count)
    ]
    for meeting in meetings:
        meeting.fold_search_text()  # as save() and the CSV import do
    Meeting.objects.bulk_create(meetings)
    Meeting.sources.through.objects.bulk_create(
        Meeting.sources.through(meeting_id=m.pk, source_id=sources[i % len(sources)].pk)
        for i, m in enumerate(meetings)
    )

    attendances = []
    per_meeting = max(1, -(-attendee_count // len(meetings)))
    slots = itertools.cycle(
        (meeting, slot) for meeting in meetings for slot in range(per_meeting)
    )
    for _ in range(attendee_count):
        meeting, slot = next(slots)
        country = countries[(meeting.pk + slot) % len(countries)]
        if slot < len(people):
            person = people[(meeting.pk + slot) % len(people)]
            position = "Minister for Foreign Affairs"
        else:
            person, position = None, f"Envoy {slot}"
        attendances.append(
            Attendance(
                published=True,
                meeting=meeting,
                country=country,
                person=person,
                position=position,
                capacity="delegate",
            )
        )
    Attendance.objects.bulk_create(attendances, batch_size=500)

    pledges = Pledge.objects.bulk_create(
        Pledge(
            published=True,
            slug=f"generated-pledge-{i}",
            donor=countries[i % len(countries)],
            amount=Decimal(1_000_000 + i),
            currency="USD" if i % 3 else "JPY",
            announced_on=start + datetime.timedelta(days=(i * 11) % 7300),
            announced_precision="day",
            meeting=meetings[i % len(meetings)],
            purpose=f"Pledge made for measuring, number {i}.",
        )
        for i in range(pledge_count)
    )
    Pledge.sources.through.objects.bulk_create(
        Pledge.sources.through(pledge_id=p.pk, source_id=sources[i % len(sources)].pk)
        for i, p in enumerate(pledges)
    )
    bump_content_version()
    return {
        "meetings": len(meetings),
        "attendees": len(attendances),
        "pledges": len(pledges),
    }
