// Webhook endpoints (list, create) and their deliveries (webhook events) with retry.
import { api, page } from "../api.js";
import { badge, field, h, mount, table, when } from "../dom.js";
import { button, form, input, notice, pager, run, shortId } from "../ui.js";

export async function webhooks(root) {
  const endpoints = h("div", { class: "list" });
  const deliveries = h("div", { class: "list" });
  let number = 1;
  async function loadEndpoints() {
    const p = await page("/webhook-endpoints", {}, 1, 100);
    mount(
      endpoints,
      table(
        "Webhook endpoints",
        [
          { title: "URL", cell: (w) => h("code", {}, w.attributes.url) },
          { title: "Subscriptions", cell: (w) => (w.attributes.subscriptions ?? []).join(", ") },
          { title: "State", cell: (w) => badge(w.attributes.suspended ? "SUSPENDED" : "ACTIVE") },
          { title: "Id", cell: (w) => shortId(w.id) },
          { title: "Actions", cell: (w) => button("Delete", () => run("Endpoint deleted.", () => api("DELETE", `/webhook-endpoints/${encodeURIComponent(w.id)}`).then(loadEndpoints)), { "aria-label": `Delete endpoint ${w.attributes.url}` }) },
        ],
        p.data,
        "No webhook endpoints.",
      ),
    );
  }
  async function loadDeliveries() {
    const p = await page("/webhook-events", {}, number);
    mount(
      deliveries,
      table(
        "Webhook deliveries",
        [
          { title: "When", cell: (d) => when(d.attributes.created) },
          { title: "Event", cell: (d) => h("code", {}, d.attributes.event) },
          { title: "Status", cell: (d) => badge(d.attributes.status) },
          { title: "Last response", cell: (d) => d.attributes.lastResponseCode ?? "—" },
          { title: "Id", cell: (d) => shortId(d.id) },
          {
            title: "Actions",
            cell: (d) =>
              button("Retry", () => run("Delivery retried: a new webhook event was queued.", () => api("POST", `/webhook-events/${encodeURIComponent(d.id)}/actions/retry`).then(loadDeliveries)), {
                "aria-label": `Retry delivery ${d.id.slice(0, 8)}`,
              }),
          },
        ],
        p.data,
        "No deliveries yet.",
      ),
      pager(p, (n) => {
        number = n;
        loadDeliveries();
      }),
    );
  }
  const create = form(
    "Create a webhook endpoint",
    [field("URL", input("url", { type: "url", required: true, placeholder: "https://example.com/hooks" })), field("Subscriptions (comma-separated; blank: all)", input("subscriptions", { placeholder: "*" }))],
    "Create endpoint",
    async (v, el) => {
      const attributes = { url: v.url };
      const subs = v.subscriptions.split(",").map((x) => x.trim()).filter(Boolean);
      if (subs.length) attributes.subscriptions = subs;
      if (await run("Endpoint created.", () => api("POST", "/webhook-endpoints", { body: { data: { type: "webhook-endpoints", attributes } } }))) {
        el.reset();
        await loadEndpoints();
      }
    },
  );
  const refresh = button("Refresh deliveries", () => loadDeliveries().then(() => notice("Deliveries refreshed.")));
  mount(
    root,
    h("section", { "aria-labelledby": "new-endpoint" }, h("h2", { id: "new-endpoint" }, "New endpoint"), create),
    h("section", { "aria-labelledby": "all-endpoints" }, h("h2", { id: "all-endpoints" }, "Endpoints"), endpoints),
    h("section", { "aria-labelledby": "all-deliveries" }, h("h2", { id: "all-deliveries" }, "Deliveries"), refresh, deliveries),
  );
  await Promise.all([loadEndpoints(), loadDeliveries()]);
}
