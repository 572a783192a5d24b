"""Pledges: what a donor promised, when, and at which meeting."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ..iso import CURRENCY_CODES
from ..partial_dates import PartialDate, Precision, precision_constraints
from .base import (
    SlugQuerySet,
    Timestamped,
    public_or_none,
    unique_slug,
)
from .content import Source
from .meetings import Meeting
from .participants import Country


def pledge_label(donor, currency, amount):
    """How a pledge is named in a list of records: who, how much."""
    return f"{donor}: {currency} {amount:,.0f}"


class PledgeQuerySet(SlugQuerySet):
    # A draft donor's pledges stay off the public site with it, and so do the
    # pledges announced at a draft meeting (a pledge at no meeting can be public).
    public_parents = ("donor",)
    public_links = ("meeting",)


class Pledge(Timestamped):
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        blank=True,
        help_text=_(
            "Left empty, it is made from the donor, date, currency and amount, "
            "e.g. jp-2012-11-10-usd-700000000."
        ),
    )
    donor = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="pledges",
        verbose_name=_("donor"),
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=18,
        decimal_places=2,
        help_text=_("In the currency below, e.g. 700000000 for 700 million."),
    )
    currency = models.CharField(
        _("currency"), max_length=3, help_text=_("ISO 4217 code, e.g. USD or JPY.")
    )
    approximate = models.BooleanField(
        _("approximate"),
        default=False,
        help_text=_("Tick when the source gives a rounded or 'about' figure."),
    )
    announced_on = models.DateField(_("announced on"), null=True, blank=True)
    announced_precision = models.CharField(
        _("announcement date known to the"),
        max_length=7,
        choices=Precision,
        default=Precision.DAY,
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        related_name="pledges",
        null=True,
        blank=True,
        verbose_name=_("announced at"),
        help_text=_(
            "The meeting where it was announced, if any. A pledge at a draft meeting "
            "stays hidden with it."
        ),
    )
    purpose = models.TextField(
        _("purpose"),
        blank=True,
        help_text=_("What the money is for, as the source says."),
    )
    sources = models.ManyToManyField(
        Source,
        related_name="pledges",
        blank=True,
        verbose_name=_("sources"),
        help_text=_(
            "The sources of the amount and purpose, cited wherever the pledge is shown."
        ),
    )

    objects = PledgeQuerySet.as_manager()

    class Meta:
        ordering = [F("announced_on").asc(nulls_last=True), "slug"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        permissions = [
            ("import_pledge", _("Can import pledges from CSV")),
            ("export_pledge", _("Can export pledges as CSV")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="pledge_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(currency__in=CURRENCY_CODES),
                name="pledge_currency_iso_4217",
                violation_error_message=_(
                    "The currency must be an ISO 4217 code in capitals, e.g. USD."
                ),
            ),
            *precision_constraints("announced_on", "announced_precision", "pledge"),
        ]

    def __str__(self):
        return pledge_label(self.donor, self.currency, self.amount)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.derive_slug()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("dialogue:pledge-list") + f"#pledge-{self.slug}"

    def natural_key(self):
        return (self.slug,)

    @property
    def announced(self):
        return PartialDate(self.announced_on, self.announced_precision)

    @property
    def public_meeting(self):
        """The meeting it was announced at, or None when none or a draft."""
        return public_or_none(self.meeting)

    def derive_slug(self):
        """``jp-2012-11-10-usd-700000000``; unique, with a suffix if taken."""
        donor = self.donor.code if self.donor_id else ""
        date_part = self.announced.isoformat() or "undated"
        amount = f"{Decimal(self.amount or 0):.2f}".removesuffix(".00")
        base = slugify(
            f"{donor} {date_part} {self.currency} {amount.replace('.', '-')}"
        )[:110]
        return unique_slug(base, None, Pledge.objects.exclude(pk=self.pk))
