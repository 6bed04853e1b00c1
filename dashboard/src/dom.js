// A tiny DOM builder: h("tag", {attrs, onclick}, ...children). Text is always a text node
// (never innerHTML), so API data cannot inject markup.
const SVG_NS = "http://www.w3.org/2000/svg";

function build(el, props, children) {
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.setAttribute("class", v);
    else if (k === "value" && "value" in el) el.value = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** An HTML element. */
export function h(tag, props, ...children) {
  return build(document.createElement(tag), props, children);
}

/** An SVG element. */
export function s(tag, props, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

/** Replaces the children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  build(el, {}, children);
  return el;
}

let ids = 0;
/** A labelled form field: a <label> bound to its control by id. */
export function field(label, control, hint) {
  const id = control.id || `f${++ids}`;
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hint ? h("small", {}, hint) : null);
}

/** A short date-time, or an em dash. */
export function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

/** A status badge (the word itself carries the meaning; colour only repeats it). */
export function badge(text) {
  const t = String(text ?? "—");
  return h("span", { class: `badge badge-${t.toLowerCase().replace(/[^a-z]+/g, "-")}` }, t);
}

/** A table: columns [{title, cell(row)}], rows; `caption` names it for screen readers. */
export function table(caption, columns, rows, empty = "Nothing here yet.") {
  if (rows.length === 0) return h("p", { class: "empty" }, empty);
  return h(
    "table",
    {},
    h("caption", { class: "sr-only" }, caption),
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.title)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, columns.map((c) => h("td", {}, c.cell(r)))))),
  );
}
