// Licenses: search (over the loaded page: name, key, id), filters (status, policy), create,
// suspend / reinstate / renew, a CSV export of the filtered list, and a license's page with its machines and the check-out download.
import { all, api, download, exportCsv, page } from "../api.js";
import { badge, field, h, mount, table, when } from "../dom.js";
import { button, form, input, link, notice, pager, run, save, select, shortId } from "../ui.js";
import { heartbeatColumns } from "./machines.js";

const STATUSES = ["ACTIVE", "INACTIVE", "EXPIRING", "EXPIRED", "SUSPENDED", "BANNED"];

function actions(l, refresh) {
  const id = encodeURIComponent(l.id);
  const a = l.attributes;
  return h(
    "span",
    { class: "actions" },
    a.suspended
      ? button("Reinstate", () => run("License reinstated.", () => api("POST", `/licenses/${id}/actions/reinstate`).then(refresh)), { "aria-label": `Reinstate ${a.name ?? l.id}` })
      : button("Suspend", () => run("License suspended.", () => api("POST", `/licenses/${id}/actions/suspend`).then(refresh)), { "aria-label": `Suspend ${a.name ?? l.id}` }),
    button("Renew", () => run("License renewed.", () => api("POST", `/licenses/${id}/actions/renew`).then(refresh)), { "aria-label": `Renew ${a.name ?? l.id}` }),
  );
}

export async function licenses(root) {
  const policyList = await all("/policies", {}, 100);
  const policyName = new Map(policyList.map((p) => [p.id, p.attributes.name ?? p.id]));
  const state = { status: "", policy: "", search: "", number: 1 };
  const list = h("div", { class: "list" });

  const searchBox = input("search", { type: "search", placeholder: "name, key or id" });
  const status = h("select", { name: "status" }, h("option", { value: "" }, "Any status"), STATUSES.map((s) => h("option", { value: s }, s)));
  const policy = select("policy", policyList, (p) => p.attributes.name ?? p.id, "Any policy");
  // The whole list as CSV, with the status and policy filters: every part the server links.
  const exportButton = button("Export CSV", async () => {
    const file = await run(null, () => exportCsv("/licenses/export", { status: state.status, policy: state.policy }));
    if (!file) return;
    save(file);
    notice(`Exported ${file.filename} (${file.parts} part${file.parts === 1 ? "" : "s"}).`, "ok");
  });
  const filters = h("div", { class: "filters", role: "search" }, field("Search licenses", searchBox), field("Status", status), field("Policy", policy), exportButton);

  async function load() {
    const p = await page("/licenses", { status: state.status, policy: state.policy }, state.number);
    const q = state.search.toLowerCase();
    const rows = q ? p.data.filter((l) => [l.id, l.attributes.key, l.attributes.name].some((v) => String(v ?? "").toLowerCase().includes(q))) : p.data;
    mount(
      list,
      table(
        "Licenses",
        [
          { title: "Name", cell: (l) => link(`#/licenses/${encodeURIComponent(l.id)}`, l.attributes.name || "(unnamed)") },
          { title: "Key", cell: (l) => h("code", { class: "key", title: l.attributes.key }, String(l.attributes.key ?? "").slice(0, 29)) },
          { title: "Status", cell: (l) => badge(l.attributes.status) },
          { title: "Policy", cell: (l) => policyName.get(l.relationships?.policy?.data?.id) ?? "—" },
          { title: "Expiry", cell: (l) => when(l.attributes.expiry) },
          { title: "Actions", cell: (l) => actions(l, load) },
        ],
        rows,
        q ? "No license on this page matches." : "No licenses.",
      ),
      pager(p, (n) => {
        state.number = n;
        load();
      }),
    );
  }
  searchBox.addEventListener("input", () => {
    state.search = searchBox.value.trim();
    load();
  });
  for (const [el, key] of [[status, "status"], [policy, "policy"]]) {
    el.addEventListener("change", () => {
      state[key] = el.value;
      state.number = 1;
      load();
    });
  }

  const create = form(
    "Create a license",
    [
      field("Policy", select("policy", policyList, (p) => p.attributes.name ?? p.id)),
      field("Name", input("name")),
      field("Expiry (optional)", input("expiry", { type: "date" })),
    ],
    "Create license",
    async (v, el) => {
      if (!v.policy) return notice("Create a policy first.", "error");
      const attributes = { name: v.name || null };
      if (v.expiry) attributes.expiry = new Date(`${v.expiry}T00:00:00Z`).toISOString();
      const doc = await run("License created.", () =>
        api("POST", "/licenses", { body: { data: { type: "licenses", attributes, relationships: { policy: { data: { type: "policies", id: v.policy } } } } } }),
      );
      if (doc) {
        el.reset();
        notice(`License created: ${doc.data.attributes.key}`, "ok");
        await load();
      }
    },
  );

  mount(root, h("section", { "aria-labelledby": "new-license" }, h("h2", { id: "new-license" }, "New license"), create), h("section", { "aria-labelledby": "all-licenses" }, h("h2", { id: "all-licenses" }, "All licenses"), filters, list));
  await load();
}

export async function license(root, id) {
  const path = `/licenses/${encodeURIComponent(id)}`;
  async function load() {
    const [doc, ms] = await Promise.all([api("GET", path), page(`${path}/machines`, {}, 1, 100)]);
    const l = doc.data;
    const a = l.attributes;
    const facts = [
      ["Id", h("code", {}, l.id)],
      ["Key", h("code", { class: "key" }, a.key)],
      ["Name", a.name ?? "—"],
      ["Status", badge(a.status)],
      ["Expiry", when(a.expiry)],
      ["Machines", `${ms.data.length}${a.maxMachines != null ? ` of ${a.maxMachines}` : ""}`],
      ["Uses", `${a.uses ?? 0}${a.maxUses != null ? ` of ${a.maxUses}` : ""}`],
      ["Last validated", when(a.lastValidated)],
      ["Last check-out", when(a.lastCheckOut)],
      ["Created", when(a.created)],
    ];
    const checkout = button("Download license file", async () => {
      const file = await run("License file downloaded.", () => download(`${path}/actions/check-out`));
      if (!file) return;
      save(file);
      await load();
    });
    mount(
      root,
      h("p", {}, link("#/licenses", "← All licenses")),
      h("section", { "aria-labelledby": "license-facts" }, h("h2", { id: "license-facts" }, a.name || "License"), h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])), h("p", { class: "actions" }, actions(l, load), checkout)),
      h("section", { "aria-labelledby": "license-machines" }, h("h2", { id: "license-machines" }, "Machines"), table("Machines of this license", [{ title: "Id", cell: (m) => shortId(m.id) }, ...heartbeatColumns()], ms.data, "No machines activated.")),
    );
  }
  await load();
}
