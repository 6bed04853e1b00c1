// Users: list (filter by status), create, ban / unban.
import { api, page } from "../api.js";
import { badge, field, h, mount, table, when } from "../dom.js";
import { button, form, input, pager, run, shortId } from "../ui.js";

export async function users(root) {
  const list = h("div", { class: "list" });
  const status = h("select", { name: "status" }, h("option", { value: "" }, "Any status"), h("option", { value: "ACTIVE" }, "ACTIVE"), h("option", { value: "BANNED" }, "BANNED"));
  let number = 1;
  async function load() {
    const p = await page("/users", { status: status.value }, number);
    mount(
      list,
      table(
        "Users",
        [
          { title: "Email", cell: (u) => u.attributes.email },
          { title: "Name", cell: (u) => [u.attributes.firstName, u.attributes.lastName].filter(Boolean).join(" ") || "—" },
          { title: "Role", cell: (u) => u.attributes.role },
          { title: "Status", cell: (u) => badge(u.attributes.status) },
          { title: "Id", cell: (u) => shortId(u.id) },
          { title: "Created", cell: (u) => when(u.attributes.created) },
          {
            title: "Actions",
            cell: (u) => {
              const id = encodeURIComponent(u.id);
              return u.attributes.status === "BANNED"
                ? button("Unban", () => run("User unbanned.", () => api("POST", `/users/${id}/actions/unban`).then(load)), { "aria-label": `Unban ${u.attributes.email}` })
                : u.attributes.role === "admin"
                  ? "—"
                  : button("Ban", () => run("User banned.", () => api("POST", `/users/${id}/actions/ban`).then(load)), { "aria-label": `Ban ${u.attributes.email}` });
            },
          },
        ],
        p.data,
        "No users.",
      ),
      pager(p, (n) => {
        number = n;
        load();
      }),
    );
  }
  status.addEventListener("change", () => {
    number = 1;
    load();
  });
  const role = h("select", { name: "role" }, h("option", { value: "user" }, "user"), h("option", { value: "admin" }, "admin"));
  const create = form(
    "Create a user",
    [
      field("Email", input("email", { type: "email", required: true })),
      field("First name", input("firstName")),
      field("Last name", input("lastName")),
      field("Role", role),
      field("Password (optional, 8+)", input("password", { type: "password", autocomplete: "new-password" })),
    ],
    "Create user",
    async (v, el) => {
      const attributes = { email: v.email, role: v.role };
      for (const k of ["firstName", "lastName", "password"]) if (v[k]) attributes[k] = v[k];
      if (await run("User created.", () => api("POST", "/users", { body: { data: { type: "users", attributes } } }))) {
        el.reset();
        await load();
      }
    },
  );
  mount(root, h("section", { "aria-labelledby": "new-user" }, h("h2", { id: "new-user" }, "New user"), create), h("section", { "aria-labelledby": "all-users" }, h("h2", { id: "all-users" }, "All users"), h("div", { class: "filters", role: "search" }, field("Status", status)), list));
  await load();
}
