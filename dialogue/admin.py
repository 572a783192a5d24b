"""The editors' back office."""

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets as admin_widgets
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.db.models import Count
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .csv import job_admin  # noqa: F401 (the pages of background jobs)
from .csv.admin import CsvAdminMixin
from .csv.resources import (
    AttendanceResource,
    CountryResource,
    DocumentPointResource,
    DocumentResource,
    MeetingResource,
    PageResource,
    PersonResource,
    PledgeResource,
    SourceResource,
)
from .forms import AttendanceFormSet, PledgeForm, WindowEdgeField, partial_date_form
from .history_admin import HistoryAdmin
from .media_admin import (
    DocumentFileInline,
    DocumentFileLibrary,
    PhotoInline,
    PhotoLibrary,
)
from .models import (
    ALWAYS,
    FORMAT_NOT_RECORDED,
    NEVER,
    Attendance,
    Country,
    Document,
    DocumentFile,
    DocumentPoint,
    Meeting,
    MeetingSeries,
    Page,
    Person,
    Photo,
    Pledge,
    Source,
)
from .pending_admin import PendingChangesMixin
from .publish_admin import PublishMixin
from .revisions import ensure_baseline


@admin.action(description=_("Publish selected"), permissions=["change"])
def publish(modeladmin, request, queryset):
    _set_published(modeladmin, request, queryset, True)


@admin.action(
    description=_("Unpublish selected (keep as drafts)"), permissions=["change"]
)
def unpublish(modeladmin, request, queryset):
    _set_published(modeladmin, request, queryset, False)


def _set_published(modeladmin, request, queryset, published):
    changed = 0
    comment = (
        "Published with “Publish selected”."
        if published
        else "Unpublished with “Unpublish selected”."
    )
    records = list(queryset.exclude(published=published))
    ensure_baseline(records, user=request.user)
    for obj in records:
        # A revision a record: reverting one does not revert the others.
        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment(comment)
            obj.published = published
            obj.save(update_fields=["published"])
        changed += 1
    opts = modeladmin.model._meta
    if published:
        message = ngettext(
            "%(count)d %(name)s published.", "%(count)d %(plural)s published.", changed
        )
    else:
        message = ngettext(
            "%(count)d %(name)s unpublished.",
            "%(count)d %(plural)s unpublished.",
            changed,
        )
    modeladmin.message_user(
        request,
        message
        % {
            "count": changed,
            "name": opts.verbose_name,
            "plural": opts.verbose_name_plural,
        },
        messages.SUCCESS,
    )


class GuardedChangeList(ChangeList):
    """Django's list, refusing a year past any date (``?start_date__year=
    99999999999``) as it refuses every other bad filter: back to the list
    (``?e=1``). Django 5.2 turns the date hierarchy's ``ValueError`` into that,
    but not the ``OverflowError`` of a year too large for ``datetime``, which was
    a 500."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as exc:
            raise IncorrectLookupParameters(exc) from exc


#: The publishing window's fields and the value each holds when left empty.
OPEN_ENDS = {"publish_at": ALWAYS, "unpublish_at": NEVER}


class ContentAdmin(PublishMixin, PendingChangesMixin, HistoryAdmin):
    """What every content model's admin shares: the draft switch, publishing a
    draft with what it needs and previewing it (dialogue/publish_admin.py), pending
    drafts of live records (dialogue/pending_admin.py), and the history of
    revisions (dialogue/history_admin.py)."""

    actions = (publish, unpublish)
    list_filter = ("published",)
    save_on_top = True
    # A filtered or searched list does not also count the whole table: at 1,000×
    # the seed (300,000 people) that second COUNT(*) is most of the page's time.
    show_full_result_count = False

    class Media:
        css = {"all": ["css/admin.css"]}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in OPEN_ENDS:
            label = capfirst(db_field.verbose_name)
            widget = admin_widgets.AdminSplitDateTime()
            # Each box named for screen readers: the label points at the first.
            for box, part in zip(widget.widgets, (_("date"), _("time")), strict=True):
                box.attrs["aria-label"] = f"{label}: {part}"
            return WindowEdgeField(
                open_end=OPEN_ENDS[db_field.name],
                label=label,
                help_text=db_field.help_text,
                widget=widget,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def view_on_site(self, obj):
        """The "View on site" link: the page on the host the editor is using, not on
        the Sites framework's one domain (a placeholder here); a draft's page shows
        staff its "Draft — not public" banner."""
        get_url = getattr(obj, "get_absolute_url", None)
        return get_url() if get_url else None

    def get_changelist(self, request, **kwargs):
        return GuardedChangeList


@admin.register(Source)
class SourceAdmin(CsvAdminMixin, ContentAdmin):
    resource_classes = [SourceResource]
    list_display = ("title", "publisher", "published_on", "published")
    list_filter = ("published", "publisher")
    search_fields = ("title", "publisher", "slug", "url")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "published_on"
    formfield_overrides = {
        models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}
    }


@admin.register(Country)
class CountryAdmin(CsvAdminMixin, ContentAdmin):
    resource_classes = [CountryResource]
    list_display = ("name", "code", "role", "joined_on", "published")
    list_filter = ("published", "role")
    search_fields = ("name", "code")
    autocomplete_fields = ("sources",)


@admin.register(Person)
class PersonAdmin(CsvAdminMixin, ContentAdmin):
    resource_classes = [PersonResource]
    list_display = ("name", "slug", "published")
    search_fields = ("name", "other_names", "slug")
    prepopulated_fields = {"slug": ("name",)}


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose boxes are named for screen readers: a row's cells
    have no label of their own, only the column's heading."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            field.widget.attrs.setdefault("aria-label", capfirst(db_field.verbose_name))
        return field


class AttendanceInline(LabelledTabularInline):
    model = Attendance
    formset = AttendanceFormSet
    extra = 1
    fields = ("person", "position", "country", "capacity", "published")
    # People are many: a search box. The participants are a handful: a plain
    # list, one action to choose (also for hosts and donors below).
    autocomplete_fields = ("person",)

    def get_extra(self, request, obj=None, **kwargs):
        # A new meeting has several delegations: rows ready for three of them.
        return 3 if obj is None else 1

    class Media:
        css = {"all": ["css/admin.css"]}


class PledgeInline(admin.StackedInline):
    """A meeting's pledges with what they are for and who says so, cited where
    they are entered; stacked, as a row of eight fields would not fit a screen."""

    model = Pledge
    form = PledgeForm
    extra = 0
    fields = (
        ("donor", "amount", "currency", "approximate"),
        ("announced_on", "published"),
        "purpose",
        "sources",
        "slug",
    )
    autocomplete_fields = ("sources",)

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if obj is None else 0


class MeetingFormatFilter(admin.SimpleListFilter):
    """The formats, and "not recorded" for meetings whose sources do not say."""

    title = _("format")
    parameter_name = "format"
    NOT_RECORDED = "none"

    def lookups(self, request, model_admin):
        return [*Meeting.Format.choices, (self.NOT_RECORDED, FORMAT_NOT_RECORDED)]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.NOT_RECORDED:
            return queryset.filter(format="")
        if value in Meeting.Format.values:
            return queryset.filter(format=value)
        return queryset


@admin.register(Meeting)
class MeetingAdmin(CsvAdminMixin, ContentAdmin):
    resource_classes = [MeetingResource]
    form = partial_date_form(
        Meeting, {"start_date": "start_precision", "end_date": "end_precision"}
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    ("kind", "series", "number"),
                    "status",
                    ("start_date", "end_date"),
                    ("city", "host", "format"),
                    "summary",
                    "outcomes",
                    "sources",
                    "published",
                    ("publish_at", "unpublish_at"),
                )
            },
        ),
        (
            _("Address"),
            {
                "fields": ("slug",),
                "description": _(
                    "Leave the slug empty to have it made from the date, kind and "
                    "number. Changing it changes the page's address."
                ),
            },
        ),
    )
    list_display = (
        "title",
        "kind_name",
        "shown_dates",
        "place",
        "status",
        "published",
    )
    list_filter = ("published", "kind", "series", "status", MeetingFormatFilter, "host")
    list_select_related = ("host", "series")
    search_fields = ("title", "slug", "city", "summary", "host__name")
    autocomplete_fields = ("sources",)
    date_hierarchy = "start_date"
    inlines = (AttendanceInline, PledgeInline, PhotoInline)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "format":
            # An empty format is a statement (no source says), not "---------".
            kwargs["choices"] = [("", FORMAT_NOT_RECORDED), *db_field.choices]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    @admin.display(description=_("kind"), ordering="kind")
    def kind_name(self, meeting):
        return meeting.kind_name

    @admin.display(description=_("dates"), ordering="start_date")
    def shown_dates(self, meeting):
        return meeting.dates

    @admin.display(description=_("place"), ordering="city")
    def place(self, meeting):
        if meeting.host is not None and not meeting.host.is_public_now:
            # Visitors see the city alone; editors are told why.
            return _("%(place)s (host %(host)s is a draft)") % {
                "place": meeting.place or "—",
                "host": meeting.host.name,
            }
        return meeting.place


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(admin.ModelAdmin):
    """Series of meetings: editors add one when real records bring a new one."""

    list_display = ("name", "short_name", "kind", "organiser", "meeting_count")
    list_filter = ("kind",)
    search_fields = ("name", "short_name", "organiser", "slug")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "short_name", "slug", "kind", "organiser", "main_for_kind")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(meeting_count=Count("meetings"))

    @admin.display(description=_("meetings"), ordering="meeting_count")
    def meeting_count(self, series):
        return series.meeting_count


@admin.register(Attendance)
class AttendanceAdmin(CsvAdminMixin, ContentAdmin):
    resource_classes = [AttendanceResource]
    list_display = ("shown_name", "position", "country", "capacity", "meeting")
    list_filter = ("published", "capacity", "country")
    list_select_related = ("person", "country", "meeting")
    search_fields = (
        "person__name",
        "person__other_names",
        "position",
        "meeting__title",
        "country__name",
    )
    autocomplete_fields = ("meeting", "person")

    @admin.display(description=_("name"), ordering="person__name")
    def shown_name(self, attendance):
        return attendance.display_name


@admin.register(Pledge)
class PledgeAdmin(CsvAdminMixin, ContentAdmin):
    resource_classes = [PledgeResource]
    form = PledgeForm
    fields = (
        "donor",
        ("amount", "currency", "approximate"),
        "announced_on",
        "meeting",
        "purpose",
        "sources",
        "published",
        ("publish_at", "unpublish_at"),
        "slug",
    )
    list_display = (
        "slug",
        "donor",
        "shown_amount",
        "shown_announced",
        "meeting",
        "published",
    )
    list_filter = ("published", "currency", "approximate", "donor")
    list_select_related = ("donor", "meeting")
    search_fields = ("slug", "purpose", "donor__name", "meeting__title")
    autocomplete_fields = ("meeting", "sources")
    date_hierarchy = "announced_on"

    @admin.display(description=_("amount"), ordering="amount")
    def shown_amount(self, pledge):
        prefix = "≈ " if pledge.approximate else ""
        return f"{prefix}{pledge.currency} {pledge.amount:,.2f}"

    @admin.display(description=_("announced"), ordering="announced_on")
    def shown_announced(self, pledge):
        return str(pledge.announced)


class DocumentPointInline(LabelledTabularInline):
    model = DocumentPoint
    extra = 1
    fields = ("number", "heading", "text", "is_quotation", "published")


@admin.register(Document)
class DocumentAdmin(CsvAdminMixin, ContentAdmin):
    resource_classes = [DocumentResource]
    form = partial_date_form(Document, {"date": "date_precision"})
    fields = (
        "title",
        "slug",
        "kind",
        "date",
        "meeting",
        ("author", "author_role"),
        "summary",
        "sources",
        "published",
        ("publish_at", "unpublish_at"),
    )
    list_display = ("title", "kind", "shown_date", "meeting", "author", "published")
    list_filter = ("published", "kind")
    list_select_related = ("meeting", "author")
    search_fields = ("title", "slug", "summary", "points__text")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("meeting", "author", "sources")
    date_hierarchy = "date"
    inlines = (DocumentPointInline, DocumentFileInline)

    @admin.display(description=_("date"), ordering="date")
    def shown_date(self, document):
        return str(document.dated)

    def get_search_results(self, request, queryset, search_term):
        queryset, _duplicates = super().get_search_results(
            request, queryset, search_term
        )
        return queryset.distinct(), False


@admin.register(DocumentPoint)
class DocumentPointAdmin(CsvAdminMixin, ContentAdmin):
    resource_classes = [DocumentPointResource]
    list_display = ("document", "number", "heading", "short_text", "published")
    list_filter = ("published", "document")
    list_select_related = ("document",)
    search_fields = ("text", "heading", "document__title")
    autocomplete_fields = ("document",)

    @admin.display(description=_("text"))
    def short_text(self, point):
        return point.text if len(point.text) <= 80 else point.text[:79] + "…"


@admin.register(Page)
class PageAdmin(CsvAdminMixin, ContentAdmin):
    resource_classes = [PageResource]
    list_display = ("title", "slug", "menu_order", "updated_at", "published")
    list_editable = ("menu_order",)
    search_fields = ("title", "slug", "body")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("sources",)


# The media library (dialogue/media_admin.py).


@admin.register(DocumentFile)
class DocumentFileAdmin(DocumentFileLibrary, ContentAdmin):
    pass


@admin.register(Photo)
class PhotoAdmin(PhotoLibrary, ContentAdmin):
    pass
