// The dashboard's shell: sign-in, the navigation and the hash router (#/licenses, #/licenses/<id>…).
// Hash routes need no server-side fallback: the Worker's static assets serve the three files
// under /dashboard/ and every other path (all of /v1/**) reaches the API.
import { api, session, whenUnauthorized } from "./api.js";
import { h, mount } from "./dom.js";
import { notice, noticeArea } from "./ui.js";
import { signIn } from "./views/signin.js";
import { overview } from "./views/overview.js";
import { licenses, license } from "./views/licenses.js";
import { policies, products } from "./views/catalogue.js";
import { users } from "./views/users.js";
import { machines } from "./views/machines.js";
import { events } from "./views/events.js";
import { webhooks } from "./views/webhooks.js";
import { releases, releasesAvailable } from "./views/releases.js";

const VIEWS = [
  { path: "overview", title: "Overview", render: overview },
  { path: "licenses", title: "Licenses", render: licenses, detail: license },
  { path: "policies", title: "Policies", render: policies },
  { path: "products", title: "Products", render: products },
  { path: "users", title: "Users", render: users },
  { path: "machines", title: "Machines", render: machines },
  { path: "events", title: "Event log", render: events },
  { path: "webhooks", title: "Webhooks", render: webhooks },
  { path: "releases", title: "Releases", render: releases, optional: true },
];

const app = document.getElementById("app");
let releasesShown = false;
let releasesChecked = false;

function route() {
  const [path = "overview", id] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  return { path: path || "overview", id };
}

function nav(current) {
  return h(
    "nav",
    { class: "nav", "aria-label": "Sections" },
    h(
      "ul",
      {},
      VIEWS.filter((v) => !v.optional || releasesShown).map((v) =>
        h("li", {}, h("a", { href: `#/${v.path}`, "aria-current": v.path === current ? "page" : null }, v.title)),
      ),
    ),
  );
}

async function render() {
  const s = session.get();
  if (!s) {
    mount(app, h("main", { id: "main", class: "signin" }, h("h1", {}, "Latchkey"), noticeArea(), signIn(() => render())));
    return;
  }
  if (!releasesChecked) {
    // The releases route is built separately: show the view only where the API serves it
    // (a 404 hides it). Only the navigation is redrawn when it appears.
    releasesChecked = true;
    releasesAvailable().then((yes) => {
      releasesShown = yes;
      const old = app.querySelector("nav.nav");
      if (yes && old) old.replaceWith(nav(route().path));
    });
  }
  const { path, id } = route();
  const view = VIEWS.find((v) => v.path === path) ?? VIEWS[0];
  const body = h("div", { class: "view" }, h("p", { class: "loading" }, "Loading…"));
  const signOut = h("button", { type: "button", class: "link" }, "Sign out");
  signOut.addEventListener("click", async () => {
    // Revoke this session's token, then forget it.
    const me = await api("GET", "/profile").catch(() => null);
    const tokenId = me?.meta?.tokenId;
    if (tokenId) await api("DELETE", `/tokens/${encodeURIComponent(tokenId)}`).catch(() => null);
    session.clear();
    releasesChecked = false;
    location.hash = "";
    render();
  });
  mount(
    app,
    h("header", { class: "top" }, h("p", { class: "brand" }, "Latchkey"), h("p", { class: "who" }, `${s.email} · account `, h("code", {}, s.account)), signOut),
    nav(view.path),
    h("main", { id: "main" }, h("h1", {}, id && view.detail ? `${view.title.replace(/s$/, "")} ${id.slice(0, 8)}` : view.title), noticeArea(), body),
  );
  document.title = `${view.title} · Latchkey dashboard`;
  try {
    await (id && view.detail ? view.detail(body, id) : view.render(body));
    body.setAttribute("data-ready", "true");
  } catch (e) {
    mount(body, h("p", { class: "error" }, `Could not load: ${e.message}`));
    body.setAttribute("data-ready", "error");
  }
}

whenUnauthorized(() => {
  // Several requests in flight may all be refused: only the first one signs out, so the
  // sign-in form is drawn once (and never redrawn under someone typing).
  if (!session.get()) return;
  session.clear();
  releasesChecked = false;
  render();
  notice("Your session ended; sign in again.", "error");
});
window.addEventListener("hashchange", render);
render();
