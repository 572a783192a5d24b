"""Builders for test data: each test makes what it needs.

The records are published, and the meetings held, unless a test says otherwise
(``published=False``): most tests are about what visitors see, while the models
start new records as drafts and new meetings as planned."""

import datetime
from decimal import Decimal
from itertools import count

from dialogue.models import (
    Attendance,
    Country,
    Document,
    DocumentFile,
    DocumentPoint,
    Meeting,
    Page,
    Person,
    Photo,
    Pledge,
    Source,
)

_seq = count(1)


def create(model, **fields):
    fields.setdefault("published", True)
    return model.objects.create(**fields)


def make_source(**kwargs):
    n = next(_seq)
    fields = {"slug": f"source-{n}", "title": f"Source {n}", "publisher": "Publisher"}
    fields.update(kwargs)
    return create(Source, **fields)


def make_country(code="KZ", name=None, role="member", **kwargs):
    names = {
        "KZ": "Kazakhstan",
        "JP": "Japan",
        "UZ": "Uzbekistan",
        "TM": "Turkmenistan",
    }
    return create(
        Country, code=code, name=name or names.get(code, code), role=role, **kwargs
    )


def make_person(name="Koichiro Gemba", **kwargs):
    return create(Person, name=name, **kwargs)


def make_meeting(**kwargs):
    n = next(_seq)
    fields = {
        "kind": "foreign_ministers",
        "title": f"Meeting {n}",
        "start_date": datetime.date(2012, 11, 10),
        "start_precision": "day",
        "city": "Tokyo",
        "status": "held",
    }
    fields.update(kwargs)
    return create(Meeting, **fields)


def make_attendance(meeting, country, person=None, **kwargs):
    fields = {"position": "Minister for Foreign Affairs", "capacity": "delegate"}
    fields.update(kwargs)
    return create(Attendance, meeting=meeting, country=country, person=person, **fields)


def make_pledge(donor, **kwargs):
    n = next(_seq)
    fields = {
        "slug": f"pledge-{n}",
        "amount": Decimal("700000000"),
        "currency": "USD",
        "announced_on": datetime.date(2012, 11, 10),
        "announced_precision": "day",
    }
    fields.update(kwargs)
    return create(Pledge, donor=donor, **fields)


def make_document(**kwargs):
    n = next(_seq)
    fields = {
        "slug": f"document-{n}",
        "title": f"Document {n}",
        "kind": "joint_statement",
        "date": datetime.date(2004, 8, 28),
        "date_precision": "day",
    }
    fields.update(kwargs)
    return create(Document, **fields)


def make_point(document, number=1, text="A point.", **kwargs):
    return create(DocumentPoint, document=document, number=number, text=text, **kwargs)


def make_page(**kwargs):
    n = next(_seq)
    fields = {"slug": f"page-{n}", "title": f"Page {n}", "body": "Some *prose*."}
    fields.update(kwargs)
    return create(Page, **fields)


def make_document_file(document, content=None, name="statement.pdf", **kwargs):
    """A document's file, saved as an upload is: checked and stored."""
    from tests.media_files import pdf_bytes, upload

    fields = {"title": "Full text", "language": "en"}
    fields.update(kwargs)
    return create(
        DocumentFile,
        document=document,
        file=upload(name, content if content is not None else pdf_bytes()),
        **fields,
    )


def make_photo(meeting, content=None, name="photo.jpg", **kwargs):
    from tests.media_files import image_bytes, upload

    fields = {
        "alt_text": "The ministers at the table",
        "credit": "Ministry of Foreign Affairs of Japan",
    }
    fields.update(kwargs)
    return create(
        Photo,
        meeting=meeting,
        image=upload(name, content if content is not None else image_bytes()),
        **fields,
    )
