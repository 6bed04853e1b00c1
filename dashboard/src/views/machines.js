// Machines with their heartbeat status (Keygen's heartbeatStatus: NOT_STARTED, ALIVE, DEAD,
// RESURRECTED) and when the next heartbeat is due.
import { page } from "../api.js";
import { badge, field, h, mount, table, when } from "../dom.js";
import { input, link, pager } from "../ui.js";

/** The columns both machine tables share. */
export function heartbeatColumns() {
  return [
    { title: "Fingerprint", cell: (m) => h("code", {}, m.attributes.fingerprint) },
    { title: "Name", cell: (m) => m.attributes.name ?? m.attributes.hostname ?? "—" },
    { title: "Heartbeat", cell: (m) => badge(m.attributes.heartbeatStatus) },
    { title: "Last heartbeat", cell: (m) => when(m.attributes.lastHeartbeat) },
    { title: "Next due", cell: (m) => when(m.attributes.nextHeartbeat) },
  ];
}

export async function machines(root) {
  const list = h("div", { class: "list" });
  const licenseBox = input("license", { placeholder: "license id" });
  let number = 1;
  async function load() {
    const p = await page("/machines", { license: licenseBox.value.trim() }, number);
    mount(
      list,
      table(
        "Machines",
        [
          ...heartbeatColumns(),
          { title: "License", cell: (m) => { const id = m.relationships?.license?.data?.id; return id ? link(`#/licenses/${encodeURIComponent(id)}`, id.slice(0, 8)) : "—"; } },
          { title: "Activated", cell: (m) => when(m.attributes.created) },
        ],
        p.data,
        "No machines.",
      ),
      pager(p, (n) => {
        number = n;
        load();
      }),
    );
  }
  licenseBox.addEventListener("change", () => {
    number = 1;
    load();
  });
  mount(root, h("div", { class: "filters", role: "search" }, field("Filter by license", licenseBox)), list);
  await load();
}
