// The event log: newest first, filter by event name and resource.
import { page } from "../api.js";
import { field, h, mount, table, when } from "../dom.js";
import { input, link, pager, shortId } from "../ui.js";

function resourceLink(r) {
  if (!r) return "—";
  const text = `${r.type} ${String(r.id).slice(0, 8)}`;
  return r.type === "licenses" ? link(`#/licenses/${encodeURIComponent(r.id)}`, text) : h("span", { title: r.id }, text);
}

function changes(e) {
  const c = e.attributes.metadata?.changes;
  if (!c || typeof c !== "object") return "—";
  return h("ul", { class: "changes" }, Object.entries(c).map(([k, v]) => h("li", {}, h("code", {}, k), ": ", Array.isArray(v) ? `${JSON.stringify(v[0])} → ${JSON.stringify(v[1])}` : JSON.stringify(v))));
}

export async function events(root) {
  const list = h("div", { class: "list" });
  const eventBox = input("event", { placeholder: "e.g. license.suspended" });
  const typeBox = input("resource-type", { placeholder: "e.g. licenses" });
  let number = 1;
  async function load() {
    const p = await page("/event-logs", { event: eventBox.value.trim(), "resource[type]": typeBox.value.trim() }, number);
    mount(
      list,
      table(
        "Events",
        [
          { title: "When", cell: (e) => when(e.attributes.created) },
          { title: "Event", cell: (e) => h("code", {}, e.attributes.event) },
          { title: "Resource", cell: (e) => resourceLink(e.relationships?.resource?.data) },
          { title: "By", cell: (e) => { const w = e.relationships?.whodunnit?.data; return w ? `${w.type} ${String(w.id).slice(0, 8)}` : "system"; } },
          { title: "Changes", cell: changes },
          { title: "Id", cell: (e) => shortId(e.id) },
        ],
        p.data,
        "No events.",
      ),
      pager(p, (n) => {
        number = n;
        load();
      }),
    );
  }
  for (const el of [eventBox, typeBox]) {
    el.addEventListener("change", () => {
      number = 1;
      load();
    });
  }
  mount(root, h("div", { class: "filters", role: "search" }, field("Event name", eventBox), field("Resource type", typeBox)), list);
  await load();
}
