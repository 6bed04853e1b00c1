// Releases, where the deployment serves them (distribution is built separately: a 404 from
// GET /releases hides the view).
import { api, page } from "../api.js";
import { badge, h, mount, table, when } from "../dom.js";
import { pager, shortId } from "../ui.js";

/** Whether GET /releases answers (any status but 404). */
export async function releasesAvailable() {
  try {
    await api("GET", "/releases", { params: { limit: 1 } });
    return true;
  } catch (e) {
    return e?.status !== 404 && e?.status !== undefined && e.status < 500 && e.status !== 401;
  }
}

export async function releases(root) {
  const list = h("div", { class: "list" });
  let number = 1;
  async function load() {
    const p = await page("/releases", {}, number);
    mount(
      list,
      table(
        "Releases",
        [
          { title: "Version", cell: (r) => r.attributes.version ?? "—" },
          { title: "Name", cell: (r) => r.attributes.name ?? "—" },
          { title: "Channel", cell: (r) => r.attributes.channel ?? "—" },
          { title: "Status", cell: (r) => badge(r.attributes.status) },
          { title: "Id", cell: (r) => shortId(r.id) },
          { title: "Created", cell: (r) => when(r.attributes.created) },
        ],
        p.data,
        "No releases.",
      ),
      pager(p, (n) => {
        number = n;
        load();
      }),
    );
  }
  mount(root, list);
  await load();
}
