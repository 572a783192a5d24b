"""The map of the Dialogue on the home and participants pages (dialogue/maps.py,
templates/includes/dialogue_map.html) and the data it is drawn from."""

import json
import re
import runpy

import pytest
from django.urls import reverse

from dialogue import maps
from dialogue.models import Country
from dialogue.selectors import meeting_cities
from tests.factories import make_country, make_meeting
from tests.text import page_text

MAP_PAGES = ["dialogue:home", "dialogue:participant-list"]

#: The seed's participants and their ISO 3166-1 numeric codes.
PARTICIPANTS = {
    "JP": "392",
    "KZ": "398",
    "KG": "417",
    "TJ": "762",
    "UZ": "860",
    "TM": "795",
    "AF": "004",
}


def the_map(client, url_name=MAP_PAGES[0]):
    """The map's figure, as the page's HTML."""
    html = page_text(client.get(reverse(url_name)))
    found = re.search(r'<figure class="dialogue-map">.*?</figure>', html, re.S)
    assert found, "no map on the page"
    return found.group()


def words(html):
    """The text a person reads in ``html``: tags out, runs of spaces as one."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def legend(html):
    return words(html.split("<figcaption>")[1])


def links(html):
    """``{accessible name: address}`` of the map's links."""
    return {
        name: href
        for href, name in re.findall(
            r'<a href="([^"]+)" class="map-country" '
            r'aria-label="([^"]+)"',
            html,
        )
    }


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", MAP_PAGES)
def test_each_participant_is_a_link_named_with_its_role(client, seed, url_name):
    html = the_map(client, url_name)
    assert links(html) == {
        f"{country.name}, {country.get_role_display()}": country.get_absolute_url()
        for country in Country.objects.all()
    }
    assert "Kazakhstan, member" in links(html)
    assert "Turkmenistan, observer" in links(html)
    assert "Afghanistan, guest" in links(html)


@pytest.mark.django_db
def test_roles_are_told_apart_by_pattern_and_in_words(client, seed):
    html = the_map(client)
    fills = dict(
        re.findall(
            r'aria-label="([^",]+), [a-z]+"><path d="[^"]+" fill="([^"]+)"', html
        )
    )
    assert fills["Kazakhstan"] == fills["Japan"] == "#8db6d8"
    assert fills["Turkmenistan"] == "url(#map-hatch)"
    assert fills["Afghanistan"] == "url(#map-dots)"
    text = legend(html)
    assert "Members: Japan, Kazakhstan, Kyrgyzstan, Tajikistan and Uzbekistan" in text
    assert "Observers: Turkmenistan" in text
    assert "Guests: Afghanistan" in text


@pytest.mark.django_db
def test_the_names_are_on_the_map(client, seed):
    html = the_map(client)
    names = re.findall(r'<text class="map-country-name"[^>]*>([^<]+)</text>', html)
    assert sorted(names) == sorted(Country.objects.values_list("name", flat=True))
    cities = re.findall(r'<text class="map-city-name"[^>]*>([^<]+)</text>', html)
    assert {"Tokyo", "Astana", "Tashkent"} <= set(cities)


@pytest.mark.django_db
def test_capitals_and_meeting_cities_are_marked_and_listed(client, seed):
    html = the_map(client)
    text = legend(html)
    assert (
        "Capitals: Ashgabat, Astana, Bishkek, Dushanbe, Kabul, Tashkent and Tokyo"
        in text
    )
    assert "Meetings held in: Tokyo (4), Astana (1), Tashkent (1);" in text
    assert html.count('<rect class="map-capital"') == 7 + 1  # and the legend's
    assert html.count('<circle class="map-meetings"') == 3 + 1


@pytest.mark.django_db
def test_a_draft_country_is_not_on_the_map(client, seed):
    turkmenistan = Country.objects.get(code="TM")
    Country.objects.filter(code="TM").update(published=False)
    html = the_map(client, "dialogue:participant-list")
    assert "Turkmenistan" not in html
    assert turkmenistan.get_absolute_url() not in html
    assert "Observers" not in legend(html)
    assert "Ashgabat" not in html
    # Its outline is still drawn, as a neighbour's.
    assert html.count('class="map-country"') == 6


@pytest.mark.django_db
def test_meetings_that_are_not_public_or_not_held_are_not_counted(client, seed):
    make_meeting(city="Dushanbe", published=False)
    make_meeting(city="Tokyo", published=False)
    make_meeting(city="Bishkek", status="planned")
    text = legend(the_map(client))
    assert "Meetings held in: Tokyo (4), Astana (1), Tashkent (1);" in text
    assert "Dushanbe (" not in text
    assert "Bishkek (" not in text


@pytest.mark.django_db
def test_old_names_and_spellings_count_for_the_city(client, seed):
    make_meeting(city="Nur-Sultan")
    make_meeting(city=" nur-sultán ")
    make_meeting(city="Frunze")
    text = legend(the_map(client))
    assert "Tokyo (4), Astana (3), Bishkek (1), Tashkent (1);" in text


@pytest.mark.django_db
def test_an_unknown_city_is_listed_without_a_marker(client, seed):
    make_meeting(city="Atlantis")
    make_meeting(city="Atlantis")
    make_meeting(city="New York")
    html = the_map(client)
    text = legend(html)
    assert "Tokyo (4), Atlantis (2, not on the map), Astana (1)," in text
    assert "New York (1, not on the map)" in text
    assert ">Atlantis</text>" not in html
    assert html.count('<circle class="map-meetings"') == 3 + 1


@pytest.mark.django_db
def test_no_participants_and_no_meetings(client):
    html = the_map(client)
    assert links(html) == {}
    assert "Meetings held in: none yet;" in legend(html)
    assert "Capitals" not in legend(html)


@pytest.mark.django_db
def test_a_participant_outside_the_map_is_listed(client):
    make_country("US", name="United States", role="guest")
    html = the_map(client)
    assert links(html) == {}
    assert "Guests: United States" in legend(html)


@pytest.mark.django_db
def test_the_map_costs_one_query(seed, django_assert_num_queries):
    countries = list(Country.objects.all())
    with django_assert_num_queries(1):
        found = maps.dialogue_map(countries=countries, meeting_cities=meeting_cities())
    assert [city.name for city in found.meeting_cities] == [
        "Tokyo",
        "Astana",
        "Tashkent",
    ]


def test_the_host_country_tells_two_places_of_one_name_apart():
    # Jalal-Abad in Kyrgyzstan and Jalalabad in Afghanistan.
    assert maps.find_city("Jalolobod").country == "AF"
    assert maps.find_city("Jalolobod", country="KG").country == "KG"
    assert maps.find_city("Samarkand").country == "UZ"
    assert maps.find_city("Tselinograd").name == "Astana"
    assert maps.find_city("Atlantis") is None


def test_cities_are_placed_as_d3_projects_them():
    for panel, data in zip(maps.panels(), maps.shapes()["panels"], strict=True):
        for lon, lat, x, y in data["checks"]:
            assert panel.project(lon, lat) == pytest.approx((x, y), abs=0.11)


def test_labels_fit_their_panel_and_cover_nothing(seed_like_countries):
    dialogue_map = maps.dialogue_map(
        countries=seed_like_countries,
        meeting_cities=[
            {"city": city, "host__code": "", "count": 1}
            for city in ("Tokyo", "Astana", "Tashkent", "Bishkek", "Samarkand")
        ],
    )
    placed = 0
    for part in dialogue_map.panels:
        markers = [city.box for city in part.cities]
        labels = [label.box for label in part.labels]
        for i, box in enumerate(labels):
            assert maps.inside_box(box, part.panel.box)
            others = markers + labels[:i] + labels[i + 1 :]
            assert not any(maps.overlaps(box, other) for other in others)
            placed += 1
    # The seven countries' names and most of the cities'.
    assert placed >= 7 + 7


@pytest.fixture
def seed_like_countries():
    roles = {"TM": "observer", "AF": "guest"}
    names = {
        "JP": "Japan",
        "KZ": "Kazakhstan",
        "KG": "Kyrgyzstan",
        "TJ": "Tajikistan",
        "UZ": "Uzbekistan",
        "TM": "Turkmenistan",
        "AF": "Afghanistan",
    }
    return [
        Country(code=code, name=name, role=roles.get(code, "member"))
        for code, name in names.items()
    ]


def test_the_shapes_are_small_and_cover_the_participants():
    path = maps.GEO / "shapes.json"
    assert path.stat().st_size < 60_000
    data = json.loads(path.read_text())
    assert "Natural Earth (public domain)" in data["about"]
    drawn = {code for panel in data["panels"] for code in panel["shapes"]}
    assert set(PARTICIPANTS.values()) <= drawn
    assert {maps.numeric_code(code) for code in PARTICIPANTS} == set(
        PARTICIPANTS.values()
    )
    japan = next(p for p in data["panels"] if p["name"] == "japan")
    assert "392" in japan["shapes"]


def test_the_city_lookup_is_what_geonames_gives():
    path = maps.GEO / "cities.json"
    assert path.stat().st_size < 100_000
    committed = json.loads(path.read_text(encoding="utf-8"))
    assert "GeoNames (CC BY 4.0" in committed["about"]
    built = runpy.run_path(str(maps.GEO / "build_cities.py"))["build"]()
    assert json.loads(json.dumps(built)) == committed
