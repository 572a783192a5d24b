"""Every public page template, in each state a visitor can meet: one list for the
browser tests (axe, keyboard), the HTML validation and the SEO checks.

The pages are visited in this order on the seed. Some states need records the
seed lacks (a cancelled and a planned meeting, dates known only to the month or
the year, pledges in a second currency): the page that first needs them names a
``setup`` that adds them, so the pages before it still see the seed alone and the
pages after it see the additions too. ``during`` patches the site while the page
is fetched: a small page size for "page 2 of a long list", a view that fails for
the server error page.
"""

import contextlib
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

FOURTH = "2012-11-10-foreign-ministers-4"
CANCELLED = "2020-04-summit-cancelled"
PLANNED = "2027-summit-planned"
CANCELLED_BADGE = '<strong class="badge badge-cancelled">Cancelled</strong>'
PLANNED_BADGE = '<strong class="badge badge-planned">Planned</strong>'


def add_meeting_states():
    """A cancelled meeting known to the month and a planned one known to the year."""
    from dialogue.models import Country, Meeting

    kazakhstan = Country.objects.get(code="KZ")
    Meeting.objects.create(
        published=True,
        slug=CANCELLED,
        kind="summit",
        title="Summit in Astana",
        status="cancelled",
        start_date=datetime.date(2020, 4, 1),
        start_precision="month",
        city="Astana",
        host=kazakhstan,
        format="in_person",
        summary="Called off before it met.",
    )
    Meeting.objects.create(
        published=True,
        slug=PLANNED,
        kind="summit",
        number=2,
        title="Second Summit",
        status="planned",
        start_date=datetime.date(2027, 1, 1),
        start_precision="year",
        city="Tokyo",
        host=Country.objects.get(code="JP"),
        format="hybrid",
    )


def add_second_currency():
    """Pledges in yen, announced in a known month: a second chart."""
    from dialogue.models import Country, Pledge

    Pledge.objects.create(
        published=True,
        slug="japan-yen-2019",
        donor=Country.objects.get(code="JP"),
        amount=Decimal("3000000000000"),
        currency="JPY",
        approximate=True,
        announced_on=datetime.date(2019, 5, 1),
        announced_precision="month",
        purpose="Infrastructure in the region.",
    )
    Pledge.objects.create(
        published=True,
        slug="kazakhstan-yen-2019",
        donor=Country.objects.get(code="KZ"),
        amount=Decimal("500000000"),
        currency="JPY",
        announced_on=datetime.date(2019, 1, 1),
        announced_precision="year",
    )


def add_files_and_photos():
    """A PDF of the 2004 joint statement and a photo of the fourth meeting."""
    from dialogue.models import Document, DocumentFile, Meeting, Photo
    from tests.media_files import image_bytes, pdf_bytes, upload

    DocumentFile.objects.create(
        published=True,
        document=Document.objects.get(slug="joint-statement-2004"),
        title="Joint Statement",
        language="en",
        file=upload("statement.pdf", pdf_bytes(pages=2)),
    )
    Photo.objects.create(
        published=True,
        meeting=Meeting.objects.get(slug=FOURTH),
        image=upload("ministers.jpg", image_bytes("JPEG", (1200, 800))),
        alt_text="The foreign ministers of the five countries at one table",
        credit="Ministry of Foreign Affairs of Japan",
        caption="The ministers in Tokyo.",
    )


@contextlib.contextmanager
def small_pages(size):
    """Every long list paginated ``size`` rows a page."""
    from dialogue import people_views, views

    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(views, "PAGE_SIZE", size))
        for view in (
            views.MeetingListView,
            views.PledgeListView,
            views.DocumentListView,
            views.SourceListView,
            people_views.PersonListView,
        ):
            stack.enter_context(mock.patch.object(view, "paginate_by", size))
        yield


def failing_home():
    """The home page's view raising, so that the site answers with its 500 page."""
    from dialogue import views

    return mock.patch.object(
        views.HomeView,
        "get_context_data",
        side_effect=RuntimeError("A fault injected by the tests"),
    )


#: The template each view renders; error pages render 400.html, 404.html and
#: 500.html.
TEMPLATES = {
    "dialogue:home": "dialogue/home.html",
    "dialogue:participant-list": "dialogue/participant_list.html",
    "dialogue:participant-detail": "dialogue/participant_detail.html",
    "dialogue:person-list": "dialogue/person_list.html",
    "dialogue:person-detail": "dialogue/person_detail.html",
    "dialogue:meeting-list": "dialogue/meeting_list.html",
    "dialogue:meeting-detail": "dialogue/meeting_detail.html",
    "dialogue:pledge-list": "dialogue/pledge_list.html",
    "dialogue:document-list": "dialogue/document_list.html",
    "dialogue:document-detail": "dialogue/document_detail.html",
    "dialogue:source-list": "dialogue/source_list.html",
    "dialogue:source-detail": "dialogue/source_detail.html",
    "dialogue:page-detail": "dialogue/page_detail.html",
    "dialogue:search": "dialogue/search.html",
    "dialogue:open-data": "dialogue/open_data.html",
}


@dataclass(frozen=True)
class PublicPage:
    name: str
    url_name: str
    args: tuple = ()
    query: str = ""
    status: int = 200
    #: What the page's HTML must contain: the state it is in the list for.
    shows: tuple = ()
    #: Adds the records this page (and the ones after it) need.
    setup: Callable | None = None
    #: A context manager around the fetch of this page.
    during: Callable = field(default=contextlib.nullcontext)

    def path(self):
        from django.urls import reverse

        return reverse(self.url_name, args=self.args) + self.query

    @property
    def template(self):
        """The template the page renders, for "one page per template"."""
        if self.status == 200:
            return TEMPLATES[self.url_name]
        return f"{self.status}.html"

    @property
    def indexable(self):
        """Whether the page offers itself to search engines (a canonical URL)."""
        return self.status == 200


def page(name, url_name, *args, shows=(), **kwargs):
    if isinstance(shows, str):
        shows = (shows,)
    return PublicPage(
        name, f"dialogue:{url_name}", tuple(args), shows=tuple(shows), **kwargs
    )


def small(size):
    return lambda: small_pages(size)


PUBLIC_PAGES = [
    page("home", "home"),
    page("participants", "participant-list"),
    page("participant", "participant-detail", "jp"),
    page("people", "person-list", shows="7 people"),
    page(
        "people-by-letter",
        "person-list",
        query="?letter=k",
        shows='<a href="/people/?letter=k" aria-current="page">K</a>',
    ),
    page(
        "people-by-participant-and-name",
        "person-list",
        query="?country=jp&q=gem",
        shows="1 person · came for Japan · names with “gem”",
    ),
    page("people-no-match", "person-list", query="?letter=q", shows="No one matches."),
    page(
        "people-bad-filter",
        "person-list",
        query="?letter=1",
        shows="The letter “1” is not one of the list, so it was left out.",
    ),
    page(
        "people-page-2",
        "person-list",
        query="?page=2",
        during=small(4),
        shows="Showing 5–7 of 7.",
    ),
    page("person", "person-detail", "koichiro-gemba"),
    page("timeline", "meeting-list"),
    page("timeline-by-kind", "meeting-list", query="?kind=intellectual_dialogue"),
    page(
        "timeline-by-year",
        "meeting-list",
        query="?year=2012",
        shows="1 meeting · 2012 · ",
    ),
    page(
        "timeline-by-participant",
        "meeting-list",
        query="?participant=jp",
        shows="6 meetings · attended by Japan · ",
    ),
    page(
        "timeline-all-filters",
        "meeting-list",
        query="?kind=foreign_ministers&year=2004&participant=kz",
        shows="1 meeting · Foreign Ministers",
    ),
    page("timeline-no-match", "meeting-list", query="?kind=summit"),
    page("timeline-bad-filter", "meeting-list", query="?kind=picnic"),
    page(
        "timeline-page-2",
        "meeting-list",
        query="?page=2",
        during=small(4),
        shows="Showing 5–6 of 6.",
    ),
    page("meeting", "meeting-detail", FOURTH),
    page("meeting-with-guest", "meeting-detail", "2006-06-05-foreign-ministers"),
    page("pledges", "pledge-list"),
    page(
        "pledges-by-donor",
        "pledge-list",
        query="?donor=jp",
        shows='<h2 id="all-heading">Pledges by Japan</h2>',
    ),
    page("documents", "document-list"),
    page("document", "document-detail", "joint-statement-2004"),
    page("sources", "source-list"),
    page(
        "sources-page-2",
        "source-list",
        query="?page=2",
        during=small(4),
        shows="Showing 5–8 of 9.",
    ),
    page("source", "source-detail", "gazette-japan-700-million-2012"),
    page("page", "page-detail", "about"),
    page("search", "search"),
    page(
        "search-results",
        "search",
        query="?q=tokyo",
        shows=(
            "in <mark>Tokyo</mark></a>",
            '<span class="snippet-field">Summary:</span> Not a participant',
        ),
    ),
    page(
        "search-did-you-mean",
        "search",
        query="?q=genba",
        shows='Did you mean <a href="/search/?q=Koichiro+Gemba">Koichiro Gemba</a>?',
    ),
    page("search-no-results", "search", query="?q=zzzz"),
    page("search-too-long", "search", query="?q=" + "x" * 101),
    page("open-data", "open-data"),
    page(
        "not-found",
        "page-detail",
        "no-such-page",
        status=404,
        shows="<h1>Page not found</h1>",
    ),
    page(
        "bad-request",
        "meeting-list",
        query="?year=%00",
        status=400,
        shows="<h1>Bad request</h1>",
    ),
    # From here on, with a cancelled and a planned meeting, dates known to the
    # month or the year, and pledges in two currencies.
    page(
        "meeting-cancelled",
        "meeting-detail",
        CANCELLED,
        setup=add_meeting_states,
        shows="<strong>Cancelled.</strong> This meeting did not take place.",
    ),
    page(
        "meeting-planned",
        "meeting-detail",
        PLANNED,
        shows="<strong>Planned.</strong> This meeting has not taken place yet.",
    ),
    page(
        "timeline-statuses",
        "meeting-list",
        shows=(
            '<time datetime="2020-04">April 2020</time>',
            '<time datetime="2027">2027</time>',
            CANCELLED_BADGE,
            PLANNED_BADGE,
        ),
    ),
    page(
        "timeline-statuses-page-2",
        "meeting-list",
        query="?page=2",
        during=small(4),
        shows="Showing 5–8 of 8.",
    ),
    page(
        "search-statuses",
        "search",
        query="?q=summit",
        shows=(CANCELLED_BADGE, PLANNED_BADGE),
    ),
    page("home-statuses", "home", shows=PLANNED_BADGE),
    page(
        "participant-statuses",
        "participant-detail",
        "kz",
        shows="Summit in Astana</a> (cancelled)",
    ),
    page(
        "pledges-two-currencies",
        "pledge-list",
        setup=add_second_currency,
        shows=("JPY 3,000,000,000,000 (3 trillion)", "USD 700,000,000 (700 million)"),
    ),
    page(
        "pledges-by-year",
        "pledge-list",
        query="?by=year",
        shows='<a href="/pledges/?by=year&amp;year=2019#all-heading">2019</a>',
    ),
    page(
        "pledges-page-2",
        "pledge-list",
        query="?page=2",
        during=small(2),
        shows="Showing 3–3 of 3.",
    ),
    # With a document's file and a meeting's photo.
    page(
        "document-with-files",
        "document-detail",
        "joint-statement-2004",
        setup=add_files_and_photos,
        shows=('hreflang="en">Joint Statement (English)</a>', "(PDF, "),
    ),
    page(
        "meeting-with-photos",
        "meeting-detail",
        FOURTH,
        shows=(
            'alt="The foreign ministers of the five countries at one table"',
            '<span class="credit">Photo: Ministry of Foreign Affairs of Japan</span>',
        ),
    ),
    page(
        "server-error",
        "home",
        status=500,
        during=failing_home,
        shows="<h1>Something went wrong</h1>",
    ),
]

PAGES_BY_NAME = {page.name: page for page in PUBLIC_PAGES}


def prepare(upto=None):
    """Add the records the pages up to ``upto`` (a name; default all) need.

    Call it once per database, before fetching those pages.
    """
    for public_page in PUBLIC_PAGES:
        if public_page.setup is not None:
            public_page.setup()
        if public_page.name == upto:
            break


def visit(fetch):
    """``fetch(page)`` for every page in order, each state set up just before the
    page that needs it; returns {name: what fetch returned}."""
    results = {}
    for public_page in PUBLIC_PAGES:
        if public_page.setup is not None:
            public_page.setup()
        with public_page.during():
            results[public_page.name] = fetch(public_page)
    return results


def check_shows(public_page, html):
    """The page is in the state it is listed for."""
    missing = [text for text in public_page.shows if text not in html]
    assert missing == [], f"{public_page.name} lacks {missing}"


def one_per_template():
    """The first page of each template, in the seed's own state."""
    chosen = {}
    for public_page in PUBLIC_PAGES:
        chosen.setdefault(public_page.template, public_page)
    return list(chosen.values())
