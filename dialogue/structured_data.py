"""schema.org JSON-LD for search engines: the Dialogue as an Organization, meetings
as Events. Partial dates are given only as precisely as they are known."""

from django.conf import settings

STATUS = {
    "held": "https://schema.org/EventScheduled",
    "planned": "https://schema.org/EventScheduled",
    "cancelled": "https://schema.org/EventCancelled",
}
ATTENDANCE_MODE = {
    "in_person": "https://schema.org/OfflineEventAttendanceMode",
    "online": "https://schema.org/OnlineEventAttendanceMode",
    "hybrid": "https://schema.org/MixedEventAttendanceMode",
}


def organization(request, countries=(), description="", founded=None):
    """The Dialogue: its member ``countries``, and the ``description`` the home page
    gives in words, both from the data; ``founded``, the year of its first meeting
    when known."""
    data = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": settings.SITE_NAME,
        "alternateName": "Central Asia + Japan",
        "url": request.build_absolute_uri("/"),
    }
    if founded:
        data["foundingDate"] = str(founded)
    if description:
        data["description"] = description
    members = [
        {"@type": "Country", "name": country.name, "identifier": country.code}
        for country in countries
    ]
    if members:
        data["member"] = members
    return data


def event(request, meeting):
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": meeting.title,
        "url": request.build_absolute_uri(meeting.get_absolute_url()),
        "eventStatus": STATUS.get(meeting.status, STATUS["held"]),
        "organizer": {
            "@type": "Organization",
            "name": settings.SITE_NAME,
            "url": request.build_absolute_uri("/"),
        },
    }
    if meeting.start.known:
        data["startDate"] = meeting.start.isoformat()
    if meeting.end.known:
        data["endDate"] = meeting.end.isoformat()
    if meeting.summary:
        data["description"] = meeting.summary
    if meeting.format:
        data["eventAttendanceMode"] = ATTENDANCE_MODE[meeting.format]
    if meeting.format == meeting.Format.ONLINE:
        data["location"] = {"@type": "VirtualLocation", "name": "online"}
    elif meeting.city or meeting.public_host:
        address = {"@type": "PostalAddress"}
        if meeting.city:
            address["addressLocality"] = meeting.city
        if meeting.public_host:
            address["addressCountry"] = meeting.public_host.code
        data["location"] = {
            "@type": "Place",
            "name": meeting.place,
            "address": address,
        }
    return data
