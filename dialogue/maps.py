"""The map of the Dialogue: who takes part, and where its meetings were held.

Drawn as inline SVG by ``templates/includes/dialogue_map.html`` from two files
committed beside this module and rebuilt by ``make map`` (docs/map.md):

- ``geo/shapes.json``: the countries' outlines from Natural Earth, already
  projected (Mercator) into two panels at one scale, Central Asia and Japan, keyed
  by ISO 3166-1 numeric code;
- ``geo/cities.json``: the capitals and larger cities inside the panels, with
  their other names, from GeoNames.

Cities are placed here, at run time, with the panels' own projection, so that a
meeting in a new city is marked as soon as it is published. A city the lookup
does not know, or one outside the panels, is listed under the map without a marker.
"""

import functools
import json
import math
import unicodedata
from collections import namedtuple
from dataclasses import dataclass, field
from pathlib import Path

import pycountry
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

from .models import Role

GEO = Path(__file__).resolve().parent / "geo"

City = namedtuple(
    "City", "name country lon lat population capital other_names", defaults=((),)
)


def plain(name):
    """A city's name as the lookup compares it: without accents, spaces at the
    ends or case ("Nur-Sultán", " nur-sultan" and "Nur-Sultan" are one)."""
    decomposed = unicodedata.normalize("NFKD", " ".join(name.split()))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@functools.cache
def shapes():
    return json.loads((GEO / "shapes.json").read_text(encoding="utf-8"))


@functools.cache
def city_index():
    """``{plain name: [City, ...]}``, each city under its name and other names."""
    data = json.loads((GEO / "cities.json").read_text(encoding="utf-8"))
    index = {}
    for row in data["cities"]:
        city = City(**dict(zip(data["fields"], row, strict=True)))
        for name in {plain(city.name), *city.other_names}:
            index.setdefault(name, []).append(city)
    return index


@functools.cache
def capitals():
    """``{ISO alpha-2 code: City}`` for the capitals in the lookup."""
    return {
        city.country: city
        for cities in city_index().values()
        for city in cities
        if city.capital
    }


def find_city(name, *, country=""):
    """The city a meeting's ``name`` means, or None: of the cities with that
    name, one in the host ``country`` (an ISO alpha-2 code) first, then one whose
    own name it is (not a former or foreign name), then the most populous."""
    wanted = plain(name)
    candidates = city_index().get(wanted, ())
    return max(
        candidates,
        key=lambda city: (
            city.country == country,
            plain(city.name) == wanted,
            city.population,
        ),
        default=None,
    )


def numeric_code(alpha_2):
    """The ISO 3166-1 numeric code the shapes are keyed by ("398" for KZ)."""
    country = pycountry.countries.get(alpha_2=alpha_2)
    return country.numeric if country else ""


@dataclass(frozen=True)
class Panel:
    name: str
    bounds: tuple  # west, south, east, north, in degrees
    box: tuple  # x0, y0, x1, y1 on the map
    scale: float
    translate: tuple
    shapes: dict

    def contains(self, lon, lat):
        west, south, east, north = self.bounds
        return west <= lon <= east and south <= lat <= north

    def project(self, lon, lat):
        """``(x, y)`` on the map: d3-geo's Mercator with the build's scale and
        translate (dialogue/geo/build_shapes.mjs)."""
        x = self.translate[0] + self.scale * math.radians(lon)
        y = self.translate[1] - self.scale * math.log(
            math.tan(math.pi / 4 + math.radians(lat) / 2)
        )
        return round(x, 1), round(y, 1)

    @property
    def width(self):
        return round(self.box[2] - self.box[0], 1)

    @property
    def height(self):
        return round(self.box[3] - self.box[1], 1)


@functools.cache
def panels():
    return tuple(
        Panel(
            name=panel["name"],
            bounds=tuple(panel["bounds"]),
            box=tuple(panel["box"]),
            scale=panel["scale"],
            translate=tuple(panel["translate"]),
            shapes=panel["shapes"],
        )
        for panel in shapes()["panels"]
    )


#: Text sizes on the map, in its units (a panel of 662 units is drawn 358 px
#: wide on a 390 px phone, 466 px at most): set on the text itself, and used to
#: keep labels apart. At 358 px a unit is 0.54 px: no text under 12 px.
COUNTRY_FONT = 25
CITY_FONT = 23
#: The width of a character, as a share of the font size (generous, for the
#: bold and wide fonts a phone may have).
CHARACTER = 0.62


@dataclass
class Label:
    text: str
    x: float
    y: float
    anchor: str  # "start", "middle" or "end", as SVG's text-anchor
    size: int

    @property
    def box(self):
        width = len(self.text) * self.size * CHARACTER
        left = {"start": 0, "middle": width / 2, "end": width}[self.anchor]
        x0 = self.x - left
        return (x0, self.y - 0.8 * self.size, x0 + width, self.y + 0.25 * self.size)


def overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside_box(inner, outer):
    return (
        inner[0] >= outer[0]
        and inner[1] >= outer[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


@dataclass
class MapCountry:
    """A participant's outline in a panel; ``label`` is where its name goes, in
    the panel where it is largest, if it fits there."""

    country: object
    d: str
    label: Label | None = None


@dataclass
class MapCity:
    """A place on the map or under it: a participant's capital, a city where
    meetings were held (``meetings``), or both; ``x`` is None when it is not
    marked (not in the lookup, or outside the panels)."""

    name: str
    meetings: int = 0
    capital: bool = False
    panel: str = ""
    x: float | None = None
    y: float | None = None
    label: Label | None = None

    @property
    def radius(self):
        """Of its circle, larger for more meetings (by area), or of its square."""
        return round(5 + 3 * math.sqrt(self.meetings), 1) if self.meetings else 4

    @property
    def box(self):
        r = self.radius
        return (self.x - r, self.y - r, self.x + r, self.y + r)

    def label_places(self):
        """Where its name may go, best first: right, left, above, below."""
        r, size = self.radius + 3, CITY_FONT
        baseline = self.y + 0.3 * size
        return [
            Label(self.name, self.x + r, baseline, "start", size),
            Label(self.name, self.x - r, baseline, "end", size),
            Label(self.name, self.x, self.y - r - 0.25 * size, "middle", size),
            Label(self.name, self.x, self.y + r + 0.8 * size, "middle", size),
        ]


#: The legend's heading for each role, in the legend's order, and the fill of
#: its countries: a colour, or a pattern defined in the map's SVG (never colour
#: alone: the observers are hatched, the guests dotted).
ROLE_LEGEND = (
    (Role.MEMBER, _("Members"), "#8db6d8"),
    (Role.OBSERVER, _("Observers"), "url(#map-hatch)"),
    (Role.GUEST, _("Guests"), "url(#map-dots)"),
)
FILLS = {role: fill for role, _heading, fill in ROLE_LEGEND}


@dataclass
class MapPanel:
    panel: Panel
    #: The outlines of the other countries, drawn faintly.
    context: list = field(default_factory=list)
    countries: list = field(default_factory=list)
    cities: list = field(default_factory=list)

    @property
    def labels(self):
        found = [c.label for c in self.countries] + [c.label for c in self.cities]
        return [label for label in found if label is not None]

    def place_labels(self):
        """Names where they fit: the countries' first, then the cities' (the
        most meetings first); a name that would cover another name or a marker,
        or leave the panel, is left out (the list under the map has them all)."""
        taken = [city.box for city in self.cities]
        for shape in self.countries:
            if shape.label is None:
                continue
            label, shape.label = shape.label, None
            for shift in (0, 1, -1, 2, -2):
                moved = Label(
                    label.text,
                    label.x,
                    label.y + shift * label.size,
                    "middle",
                    label.size,
                )
                if self.fits(moved, taken):
                    shape.label = moved
                    taken.append(moved.box)
                    break
        ranked = sorted(self.cities, key=lambda c: (-c.meetings, not c.capital, c.name))
        for city in ranked:
            for label in city.label_places():
                if self.fits(label, taken):
                    city.label = label
                    taken.append(label.box)
                    break

    def fits(self, label, taken):
        box = label.box
        return inside_box(box, self.panel.box) and not any(
            overlaps(box, other) for other in taken
        )


@dataclass
class DialogueMap:
    #: The public participants, as the view listed them.
    countries: list
    panels: list
    #: The cities where public meetings were held, the most meetings first.
    meeting_cities: list
    #: The participants' capitals on the map.
    capitals: list

    def legend(self):
        """``(role, heading, fill, names)`` for each role someone has: "Members",
        its fill, "Japan, Kazakhstan and Uzbekistan"."""
        for role, heading, fill in ROLE_LEGEND:
            names = [c.name for c in self.countries if c.role == role]
            if names:
                yield role, heading, fill, get_text_list(names, _("and"))

    @staticmethod
    def fill(country):
        return FILLS.get(country.role, FILLS[Role.MEMBER])

    @property
    def capital_names(self):
        return get_text_list([city.name for city in self.capitals], _("and"))


def locate(city):
    """``(panel name, x, y)`` of ``city`` (a :class:`City`) on the map, or
    ``("", None, None)`` outside the panels."""
    for panel in panels():
        if panel.contains(city.lon, city.lat):
            return (panel.name, *panel.project(city.lon, city.lat))
    return "", None, None


def dialogue_map(*, countries, meeting_cities):
    """The map of the public ``countries`` (participants, each with ``code``,
    ``name`` and ``role``) and ``meeting_cities``: rows of ``city``,
    ``host__code`` and ``count`` (:func:`dialogue.selectors.meeting_cities`)."""
    countries = list(countries)
    by_code = {numeric_code(country.code): country for country in countries}
    drawn = {panel.name: MapPanel(panel) for panel in panels()}
    largest = {}  # {numeric code: (length of its path, its MapCountry, label)}
    for panel in panels():
        for code, shape in panel.shapes.items():
            country = by_code.get(code)
            if country is None:
                drawn[panel.name].context.append(shape["d"])
                continue
            found = MapCountry(country, shape["d"])
            drawn[panel.name].countries.append(found)
            # The longer an outline's path, the larger it is drawn.
            if len(shape["d"]) > largest.get(code, (0,))[0]:
                largest[code] = (len(shape["d"]), found, shape["label"])
    for _length, found, (x, y) in largest.values():
        baseline = y + COUNTRY_FONT / 3
        found.label = Label(found.country.name, x, baseline, "middle", COUNTRY_FONT)

    # One entry a city, however it was written: "Nur-Sultan" counts for Astana.
    places = {}
    for row in meeting_cities:
        city = find_city(row["city"], country=row["host__code"] or "")
        key = (city.name, city.country) if city else plain(row["city"])
        if key not in places:
            places[key] = MapCity(name=city.name if city else row["city"].strip())
            if city:
                places[key].panel, places[key].x, places[key].y = locate(city)
        places[key].meetings += row["count"]
    listed = sorted(places.values(), key=lambda city: (-city.meetings, city.name))

    for country in countries:
        capital = capitals().get(country.code)
        if capital is None:
            continue
        key = (capital.name, capital.country)
        if key not in places:
            places[key] = MapCity(name=capital.name)
            places[key].panel, places[key].x, places[key].y = locate(capital)
        places[key].capital = True
    for city in sorted(places.values(), key=lambda city: city.name):
        if city.x is not None:
            drawn[city.panel].cities.append(city)
    for panel in drawn.values():
        panel.place_labels()
    return DialogueMap(
        countries=countries,
        panels=list(drawn.values()),
        meeting_cities=listed,
        capitals=sorted(
            (c for c in places.values() if c.capital and c.x is not None),
            key=lambda city: city.name,
        ),
    )
