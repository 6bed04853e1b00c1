// Products and policies: lists and create forms.
import { all, api, page } from "../api.js";
import { field, h, mount, table, when } from "../dom.js";
import { form, input, notice, pager, run, select, shortId } from "../ui.js";

const DAY = 86_400;

export async function products(root) {
  const list = h("div", { class: "list" });
  let number = 1;
  async function load() {
    const p = await page("/products", {}, number);
    mount(
      list,
      table(
        "Products",
        [
          { title: "Name", cell: (x) => x.attributes.name },
          { title: "Code", cell: (x) => x.attributes.code ?? "—" },
          { title: "Distribution", cell: (x) => x.attributes.distributionStrategy },
          { title: "Id", cell: (x) => shortId(x.id) },
          { title: "Created", cell: (x) => when(x.attributes.created) },
        ],
        p.data,
        "No products.",
      ),
      pager(p, (n) => {
        number = n;
        load();
      }),
    );
  }
  const create = form("Create a product", [field("Name", input("name", { required: true })), field("Code (optional)", input("code"))], "Create product", async (v, el) => {
    const attributes = { name: v.name };
    if (v.code) attributes.code = v.code;
    if (await run("Product created.", () => api("POST", "/products", { body: { data: { type: "products", attributes } } }))) {
      el.reset();
      await load();
    }
  });
  mount(root, h("section", { "aria-labelledby": "new-product" }, h("h2", { id: "new-product" }, "New product"), create), h("section", { "aria-labelledby": "all-products" }, h("h2", { id: "all-products" }, "All products"), list));
  await load();
}

export async function policies(root) {
  const productList = await all("/products", {}, 100);
  const productName = new Map(productList.map((p) => [p.id, p.attributes.name]));
  const list = h("div", { class: "list" });
  let number = 1;
  async function load() {
    const p = await page("/policies", {}, number);
    mount(
      list,
      table(
        "Policies",
        [
          { title: "Name", cell: (x) => x.attributes.name },
          { title: "Product", cell: (x) => productName.get(x.relationships?.product?.data?.id) ?? "—" },
          { title: "Duration", cell: (x) => (x.attributes.duration ? `${Math.round(x.attributes.duration / DAY)} days` : "perpetual") },
          { title: "Machines", cell: (x) => (x.attributes.floating ? `floating, max ${x.attributes.maxMachines ?? "unlimited"}` : "node-locked") },
          { title: "Heartbeat", cell: (x) => (x.attributes.requireHeartbeat ? `every ${x.attributes.heartbeatDuration ?? "?"} s` : "not required") },
          { title: "Id", cell: (x) => shortId(x.id) },
        ],
        p.data,
        "No policies.",
      ),
      pager(p, (n) => {
        number = n;
        load();
      }),
    );
  }
  const create = form(
    "Create a policy",
    [
      field("Product", select("product", productList, (p) => p.attributes.name)),
      field("Name", input("name", { required: true })),
      field("Duration in days (blank: perpetual)", input("days", { type: "number", min: "1", step: "1" })),
      field("Machines", h("select", { name: "floating" }, h("option", { value: "" }, "node-locked (one machine)"), h("option", { value: "floating" }, "floating (several machines)"))),
      field("Max machines (floating; blank: unlimited)", input("maxMachines", { type: "number", min: "1", step: "1" })),
    ],
    "Create policy",
    async (v, el) => {
      if (!v.product) return notice("Create a product first.", "error");
      const attributes = { name: v.name };
      if (v.days) attributes.duration = Number(v.days) * DAY;
      if (v.floating) attributes.floating = true;
      if (v.floating && v.maxMachines) attributes.maxMachines = Number(v.maxMachines);
      const body = { data: { type: "policies", attributes, relationships: { product: { data: { type: "products", id: v.product } } } } };
      if (await run("Policy created.", () => api("POST", "/policies", { body }))) {
        el.reset();
        await load();
      }
    },
  );
  mount(root, h("section", { "aria-labelledby": "new-policy" }, h("h2", { id: "new-policy" }, "New policy"), create), h("section", { "aria-labelledby": "all-policies" }, h("h2", { id: "all-policies" }, "All policies"), list));
  await load();
}
