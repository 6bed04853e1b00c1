// Shared view pieces: the notice line, error display, pagers and form helpers.
import { h } from "./dom.js";

let noticeEl = null;
/** The shell's live region (role=status). */
export function noticeArea() {
  noticeEl = h("p", { class: "notice", role: "status", "aria-live": "polite" });
  return noticeEl;
}

/** Shows a message in the live region; kind "error" or "ok". */
export function notice(message, kind = "ok") {
  if (!noticeEl) return;
  noticeEl.className = `notice notice-${kind}`;
  noticeEl.textContent = message;
}

/** The text of an error for people: the API's title/detail, its code and the field it names. */
export function describe(e) {
  const first = e?.errors?.[0];
  if (!first) return String(e?.message ?? e);
  const where = first.source?.pointer ?? first.source?.parameter ?? first.source?.header;
  return `${first.title ?? "Error"}${first.detail ? `: ${first.detail}` : ""}${first.code ? ` (${first.code}${where ? ` at ${where}` : ""})` : ""}`;
}

/** Runs an async action, reporting success or the API's error in the live region. */
export async function run(what, f) {
  try {
    const out = await f();
    if (what) notice(what, "ok");
    return out;
  } catch (e) {
    notice(describe(e), "error");
    return undefined;
  }
}

/** A button that runs an async action (disabled while it runs). */
export function button(label, f, props = {}) {
  const b = h("button", { type: "button", ...props }, label);
  b.addEventListener("click", async () => {
    b.disabled = true;
    try {
      await f();
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

/** A form whose submit runs `f(values)`; values are the named controls' trimmed strings. */
export function form(label, controls, submitLabel, f) {
  const el = h("form", { class: "inline-form", "aria-label": label }, controls, h("button", { type: "submit" }, submitLabel));
  el.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const values = {};
    for (const c of el.querySelectorAll("input, select, textarea")) if (c.name) values[c.name] = c.value.trim();
    const submit = el.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      await f(values, el);
    } finally {
      submit.disabled = false;
    }
  });
  return el;
}

/** Previous/next buttons for a paged list. */
export function pager(p, go) {
  return h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    p.prev ? h("button", { type: "button", onclick: () => go(p.prev) }, "Previous page") : null,
    p.next ? h("button", { type: "button", onclick: () => go(p.next) }, "Next page") : null,
  );
}

/** A select of resources (value = id) with an optional blank first option. */
export function select(name, items, labelOf, blank) {
  return h(
    "select",
    { name },
    blank !== undefined ? h("option", { value: "" }, blank) : null,
    items.map((i) => h("option", { value: i.id }, labelOf(i))),
  );
}

/** An input. */
export function input(name, props = {}) {
  return h("input", { name, type: "text", autocomplete: "off", ...props });
}

/** A short id for tables (the full id is in the title and the link). */
export function shortId(id) {
  return h("code", { title: id }, String(id ?? "").slice(0, 8));
}

/** An in-app link. */
export function link(href, text) {
  return h("a", { href }, text);
}

/** Saves a downloaded file ({blob, filename}) through a temporary link. */
export function save(file) {
  const url = URL.createObjectURL(file.blob);
  const a = h("a", { href: url, download: file.filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
