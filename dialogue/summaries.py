"""The Dialogue described in sentences, from the data: who takes part in which
role, as the home page, the participants page and the JSON-LD say it."""

from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

from .models import Country


def organization_description(founded, partners, observers):
    """The Dialogue in words, from the data, as the home page says it."""
    opened = (
        _("A dialogue framework opened by Japan in %(year)s with %(partners)s.")
        if founded
        else _("A dialogue framework opened by Japan with %(partners)s.")
    ) % {"year": founded, "partners": partners}
    return " ".join([opened, role_sentence(Country.Role.OBSERVER, observers)]).strip()


#: How a role is said of one country and of several.
ROLE_SENTENCES = {
    Country.Role.MEMBER: (
        _("The Dialogue's only member is %(names)s."),
        _("The Dialogue's members are %(names)s."),
    ),
    Country.Role.OBSERVER: (
        _("%(names)s takes part as an observer."),
        _("%(names)s take part as observers."),
    ),
    Country.Role.GUEST: (
        _("%(names)s has attended as a guest."),
        _("%(names)s have attended as guests."),
    ),
}


def role_sentence(role, names):
    """The sentence saying that the countries ``names`` take part in ``role``, or
    nothing when there are none."""
    if not names:
        return ""
    singular, plural = ROLE_SENTENCES[role]
    text = singular if len(names) == 1 else plural
    return text % {"names": get_text_list(names, _("and"))}


def roles_summary(countries):
    """Who takes part in which role, in sentences, from the countries themselves:
    'The Dialogue's members are Japan, Kazakhstan and Uzbekistan. Turkmenistan
    takes part as an observer. Afghanistan has attended as a guest.'"""
    by_role = {role: [] for role in Country.Role.values}
    for country in countries:
        by_role[country.role].append(country.name)
    sentences = (role_sentence(role, by_role[role]) for role in ROLE_SENTENCES)
    return " ".join(sentence for sentence in sentences if sentence)
