// The activity chart: validations and activations per day as an inline SVG bar chart (two bars
// a day), with a text alternative (a <title>/<desc> and a table of the same numbers).
import { h, s } from "./dom.js";

const DAY_MS = 86_400_000;

/** UTC day keys (YYYY-MM-DD) of the last `days` days, oldest first. */
export function lastDays(days, now = Date.now()) {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return Array.from({ length: days }, (_, i) => new Date(today - (days - 1 - i) * DAY_MS).toISOString().slice(0, 10));
}

/** Counts events per day into {validations, activations} for each day key. */
export function bucket(events, days) {
  const out = new Map(days.map((d) => [d, { validations: 0, activations: 0 }]));
  for (const e of events) {
    const day = String(e.attributes?.created ?? "").slice(0, 10);
    const b = out.get(day);
    if (!b) continue;
    const name = e.attributes.event;
    if (name === "license.validation.succeeded" || name === "license.validation.failed") b.validations++;
    else if (name === "machine.created") b.activations++;
  }
  return out;
}

const SERIES = [
  { key: "validations", label: "Validations", cls: "bar-validations" },
  { key: "activations", label: "Activations", cls: "bar-activations" },
];

export function activityChart(counts) {
  const days = [...counts.keys()];
  const max = Math.max(1, ...[...counts.values()].flatMap((c) => [c.validations, c.activations]));
  const W = 720;
  const H = 220;
  const pad = { l: 40, r: 10, t: 10, b: 40 };
  const slot = (W - pad.l - pad.r) / days.length;
  const bar = Math.max(2, slot / 2 - 2);
  const y = (v) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const total = (k) => [...counts.values()].reduce((n, c) => n + c[k], 0);
  const svg = s(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "chart-title chart-desc", class: "chart" },
    s("title", { id: "chart-title" }, "Validations and activations per day"),
    s("desc", { id: "chart-desc" }, `Last ${days.length} days: ${total("validations")} validations and ${total("activations")} activations in all.`),
    s("line", { x1: pad.l, y1: y(0), x2: W - pad.r, y2: y(0), class: "axis" }),
    s("text", { x: pad.l - 6, y: y(max) + 4, class: "tick", "text-anchor": "end" }, String(max)),
    s("text", { x: pad.l - 6, y: y(0) + 4, class: "tick", "text-anchor": "end" }, "0"),
    days.map((d, i) => {
      const c = counts.get(d);
      const x0 = pad.l + i * slot + 1;
      return s(
        "g",
        {},
        SERIES.map((se, j) => s("rect", { x: x0 + j * (bar + 1), y: y(c[se.key]), width: bar, height: y(0) - y(c[se.key]), class: se.cls }, s("title", {}, `${d}: ${c[se.key]} ${se.label.toLowerCase()}`))),
        i % Math.ceil(days.length / 7) === 0 ? s("text", { x: x0 + bar, y: H - pad.b + 16, class: "tick", "text-anchor": "middle" }, d.slice(5)) : null,
      );
    }),
  );
  const legend = h("ul", { class: "legend" }, SERIES.map((se) => h("li", {}, h("span", { class: `swatch ${se.cls}`, "aria-hidden": "true" }), `${se.label} (${total(se.key)})`)));
  const data = h(
    "details",
    {},
    h("summary", {}, "The numbers"),
    h(
      "table",
      {},
      h("caption", { class: "sr-only" }, "Validations and activations per day"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Day"), SERIES.map((se) => h("th", { scope: "col" }, se.label)))),
      h("tbody", {}, days.map((d) => h("tr", {}, h("th", { scope: "row" }, d), SERIES.map((se) => h("td", {}, String(counts.get(d)[se.key])))))),
    ),
  );
  return h("figure", { class: "activity" }, svg, h("figcaption", {}, legend), data);
}
