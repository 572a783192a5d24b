"""The Dialogue's data: participants, meetings and who attended, pledges,
documents and their points, sources, editor-written pages, and the media library
(documents' files, meetings' photos).

Every model has a natural key (never a database id) for fixtures and CSV files,
and a ``published`` flag: drafts stay off the public site. What visitors may see
of each kind is its QuerySet's ``public()`` (models/base.py).
"""

from .base import (
    ALWAYS,
    NEVER,
    Capacity,
    DocumentKind,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Role,
    Searchable,
    live_fields,
    next_scheduled_change,
)
from .content import Page, Source
from .documents import Document, DocumentPoint
from .imports import CsvJob, ImportChangeSet
from .media import DocumentFile, Language, Photo
from .meetings import (
    FORMAT_NOT_RECORDED,
    Attendance,
    Meeting,
    MeetingSeries,
    meeting_label,
)
from .participants import Country, Person
from .pending import PendingChange
from .pledges import Pledge, pledge_label

__all__ = [
    "ALWAYS",
    "NEVER",
    "FORMAT_NOT_RECORDED",
    "Attendance",
    "Capacity",
    "Country",
    "CsvJob",
    "Document",
    "DocumentKind",
    "DocumentFile",
    "DocumentPoint",
    "ImportChangeSet",
    "Language",
    "Meeting",
    "MeetingFormat",
    "MeetingKind",
    "MeetingSeries",
    "MeetingStatus",
    "Page",
    "PendingChange",
    "Person",
    "Photo",
    "Pledge",
    "Role",
    "Searchable",
    "Source",
    "live_fields",
    "meeting_label",
    "next_scheduled_change",
    "pledge_label",
]
