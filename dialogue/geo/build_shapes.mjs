// Builds shapes.json, the Dialogue map's outlines, from Natural Earth's
// 1:50m countries as world-atlas ships them (TopoJSON). Run by `make map`; the
// output is committed, so neither Node nor these packages are needed to serve
// or test the site.
//
// Two panels at one scale (Mercator): Central Asia with its neighbours, and
// Japan beside it. Drawn as one map, 45°E to 150°E, Central Asia would be a
// third of a phone's width and Tajikistan 27 px across; the panels leave out
// the 4,000 km of China between them and make Central Asia twice as large.
// dialogue/maps.py places cities with the same projection (the scale and
// translate written here).

import { readFileSync, writeFileSync } from "node:fs";
import { geoMercator, geoPath } from "d3-geo";
import { feature } from "topojson-client";
import { presimplify, simplify, sphericalTriangleArea } from "topojson-simplify";

const here = new URL(".", import.meta.url);
const atlas = JSON.parse(
  readFileSync(new URL("node_modules/world-atlas/countries-50m.json", here)),
);

/** Width of the whole map in SVG units; the height follows from the scale. */
const WIDTH = 1000;
/** Space between the panels. */
const GAP = 16;
/** Steradians: a triangle of a line smaller than this is dropped (about 0.3
 * square units on the map). */
const MIN_WEIGHT = 4e-7;

const PANELS = [
  { name: "central-asia", west: 45, south: 29, east: 82, north: 56 },
  { name: "japan", west: 128, south: 24, east: 146, north: 46 },
];

const RADIANS = Math.PI / 180;
const mercatorY = (lat) => Math.log(Math.tan(Math.PI / 4 + (lat * RADIANS) / 2));

// One scale for both panels, so that Japan is drawn at its true size.
const spans = PANELS.map((p) => (p.east - p.west) * RADIANS);
const scale = (WIDTH - GAP * (PANELS.length - 1)) / spans.reduce((a, b) => a + b);
const heights = PANELS.map((p) => (mercatorY(p.north) - mercatorY(p.south)) * scale);
const height = Math.ceil(Math.max(...heights));

const topology = simplify(presimplify(atlas, sphericalTriangleArea), MIN_WEIGHT);
const countries = feature(topology, topology.objects.countries).features;

const round = (value) => Math.round(value * 10) / 10;

/** Where a country's name goes: the centre of its largest part in the panel. */
function labelPoint(path, country) {
  const parts =
    country.geometry.type === "MultiPolygon"
      ? country.geometry.coordinates.map((coordinates) => ({
          type: "Polygon",
          coordinates,
        }))
      : [country.geometry];
  const largest = parts.reduce((a, b) => (path.area(b) > path.area(a) ? b : a));
  return path.centroid(largest).map(round);
}

let left = 0;
const panels = PANELS.map((spec, index) => {
  const width = spans[index] * scale;
  const box = [left, 0, left + width, heights[index]];
  // x = tx + k·λ, y = ty − k·ln tan(π/4 + φ/2) (λ, φ in radians): the
  // panel's west edge at its left, its north edge at the top.
  const translate = [
    left - scale * spec.west * RADIANS,
    scale * mercatorY(spec.north),
  ];
  const projection = geoMercator()
    .scale(scale)
    .translate(translate)
    .clipExtent([
      [box[0], box[1]],
      [box[2], box[3]],
    ]);
  const path = geoPath(projection).digits(1);
  const shapes = {};
  for (const country of countries) {
    if (!country.id) continue; // a territory without an ISO code
    const d = path(country);
    if (!d) continue; // outside the panel
    const [[x0, y0], [x1, y1]] = path.bounds(country);
    if (x1 - x0 < 1 && y1 - y0 < 1) continue;
    shapes[country.id] = { name: country.properties.name, d, label: labelPoint(path, country) };
  }
  left += width + GAP;
  // Points projected by d3 itself, for the test that dialogue/maps.py projects
  // cities as d3 does (tests/test_maps.py).
  const middle = [(spec.west + spec.east) / 2, (spec.south + spec.north) / 2];
  const checks = [middle, [spec.west + 1, spec.south + 1], [spec.east - 1, spec.north - 1]].map(
    (point) => [...point, ...projection(point).map(round)],
  );
  return {
    name: spec.name,
    bounds: [spec.west, spec.south, spec.east, spec.north],
    box: box.map(round),
    scale,
    translate,
    checks,
    shapes,
  };
});

const output = {
  about:
    "Outlines from Natural Earth (public domain) via world-atlas 2.0.2 (ISC)," +
    " simplified and projected by dialogue/geo/build_shapes.mjs. Keys are ISO" +
    " 3166-1 numeric codes.",
  width: WIDTH,
  height,
  panels,
};
const text = JSON.stringify(output);
writeFileSync(new URL("shapes.json", here), `${text}\n`);
console.log(`shapes.json: ${text.length} bytes, ${WIDTH}×${height}`);
