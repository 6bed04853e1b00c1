#!/usr/bin/env node
// The dashboard in a real browser: Debian's headless Chromium driven by playwright-core against the
// release Worker on workerd (tests/harness/server.mjs: the Worker with its static assets, in-memory
// D1/KV). Signs in, creates a product, a policy and a license through the pages, sees it listed,
// suspends / reinstates / renews it, exports the licenses as CSV (following the parts), sees
// the events, downloads its license file, checks the
// machines (heartbeat), users, webhooks (a delivery to a loopback receiver, then a retry), the
// activity chart, and signs in a second admin with a TOTP second factor.
// For every view: a screenshot in target/dashboard/<view>.png and an axe-core check with no
// serious or critical violation. Any request the browser makes to a non-loopback host fails the
// run (and is aborted). The last line is "N passed, M failed".
// Run it with scripts/dashboard-test (builds first). Needs functions/build and dashboard/build.
// Env: CHROMIUM (default /usr/bin/chromium), DASHBOARD_TEST_TIMEOUT_MS (default 150000).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import { base32, call, startReceiver, startServer, totp } from "../dashboard/test/support.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "target/dashboard");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const BOOTSTRAP = "dashboard-test-bootstrap";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
const STEP_MS = 20_000;

let passed = 0;
let failed = 0;
let skipped = 0;
let summarised = false;
// A failure outside the steps (the server, the bootstrap, the browser launch) still ends with
// the closing line.
process.on("exit", (code) => {
  if (!summarised) console.log(`${passed} passed, ${failed + (code === 0 ? 0 : 1)} failed, ${skipped} skipped`);
});
const cleanups = [];
async function cleanup() {
  for (const f of cleanups.reverse()) await Promise.resolve().then(f).catch(() => {});
}
const hard = setTimeout(async () => {
  console.error(`dashboard-test: over ${process.env.DASHBOARD_TEST_TIMEOUT_MS ?? 150000} ms, stopping`);
  failed++;
  await cleanup();
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  summarised = true;
  process.exit(1);
}, Number(process.env.DASHBOARD_TEST_TIMEOUT_MS ?? 150000));

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

/** Runs one named step; after a failure the later steps (which build on it) are skipped. */
async function step(name, f) {
  if (failed > 0) {
    skipped++;
    console.log(`skip ${name}`);
    return;
  }
  const t0 = Date.now();
  try {
    await f();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    const shown = await failureContext(name).catch(() => "");
    console.log(`FAIL ${name}: ${e?.stack ?? e}${shown}`);
  }
}

/** On a failure: what the page's notice line says, and a screenshot of the page. */
let failureContext = async () => "";

// --- main ---------------------------------------------------------------------------------------
check(existsSync(CHROMIUM), `${CHROMIUM} exists (scripts/setup installs Debian's chromium)`);
check(existsSync(join(ROOT, "dashboard/build/dashboard/index.html")), "dashboard/build exists (scripts/build-dashboard)");
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

const receiver = await startReceiver();
cleanups.push(() => receiver.server.close());
// ENVIRONMENT=development: webhook endpoints may then be http:// on loopback (the receiver).
const srv = await startServer({ LATCHKEY_HARNESS_ASSETS: "1", LATCHKEY_BOOTSTRAP_TOKEN: BOOTSTRAP, ENVIRONMENT: "development", LATCHKEY_PASSWORD_ITERATIONS: "10000" });
cleanups.push(() => {
  srv.child.stdin.end();
  srv.child.kill("SIGTERM");
});
const base = srv.url;
check(LOOPBACK.has(new URL(base).hostname), `server on loopback (${base})`);
const A = (p) => `/v1/accounts/${account}${p}`;

const email = "admin@dashboard.test";
const password = randomBytes(12).toString("base64url");
const boot = await call(base, "POST", "/v1/accounts", BOOTSTRAP, {
  data: { type: "accounts", attributes: { name: "Dashboard", slug: "dashboard" }, relationships: { admins: { data: [{ type: "users", attributes: { email, password } }] } } },
});
check(boot.status === 201, `bootstrap 201 (got ${boot.status})`);
const account = boot.doc.data.id;
const adminToken = boot.doc.meta.adminToken;

// A second admin with an enabled TOTP factor (created through the API; signed in through the page).
const otpEmail = "otp-admin@dashboard.test";
const otpPassword = randomBytes(12).toString("base64url");
const otpUser = await call(base, "POST", A("/users"), adminToken, { data: { type: "users", attributes: { email: otpEmail, password: otpPassword, role: "admin" } } });
check(otpUser.status === 201, `otp user 201 (got ${otpUser.status})`);
const sf = await call(base, "POST", A(`/users/${otpUser.doc.data.id}/second-factors`), adminToken, { meta: { password: otpPassword } });
check(sf.status === 201, `second factor 201 (got ${sf.status})`);
const secret = base32(new URL(sf.doc.data.attributes.uri).searchParams.get("secret"));
const nowStep = () => Math.floor(Date.now() / 30_000);
const enabledAt = nowStep();
const en = await call(base, "PATCH", A(`/users/${otpUser.doc.data.id}/second-factors/${sf.doc.data.id}`), adminToken, {
  data: { type: "second-factors", attributes: { enabled: true } },
  meta: { otp: totp(secret, enabledAt) },
});
check(en.status === 200, `second factor enabled (got ${en.status})`);

const userDataDir = mkdtempSync(join(tmpdir(), "latchkey-chromium-"));
cleanups.push(() => rmSync(userDataDir, { recursive: true, force: true }));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1280, height: 900 },
  acceptDownloads: true,
  timeout: 60_000,
});
cleanups.push(() => context.close());
context.setDefaultTimeout(STEP_MS);

// Only loopback: every other request is aborted and fails the run.
const offLoopback = [];
await context.route("**/*", (route) => {
  const u = new URL(route.request().url());
  if ((u.protocol === "http:" || u.protocol === "https:") && !LOOPBACK.has(u.hostname)) {
    offLoopback.push(u.href);
    return route.abort("blockedbyclient");
  }
  return route.continue();
});
const pageErrors = [];
const page = context.pages()[0] ?? (await context.newPage());
page.on("pageerror", (e) => pageErrors.push(String(e)));
page.on("console", (m) => {
  if (m.type() === "error" && !/status of (4\d\d)/.test(m.text())) pageErrors.push(m.text());
});

failureContext = async (name) => {
  const slug = name.replace(/[^a-z0-9]+/gi, "-").slice(0, 40);
  await page.screenshot({ path: join(OUT, `FAILED-${slug}.png`), fullPage: true, timeout: 5000 });
  const n = await page.locator(".notice").first().innerText({ timeout: 1000 }).catch(() => "");
  return `\n     page notice: ${n || "(none)"}; screenshot target/dashboard/FAILED-${slug}.png`;
};

const axeFindings = {};
/** Screenshot and accessibility check of the current view. */
async function snapshot(view) {
  await page.waitForFunction(() => !document.querySelector("button:disabled"));
  await page.screenshot({ path: join(OUT, `${view}.png`), fullPage: true });
  const has = await page.evaluate(() => typeof window.axe === "object");
  if (!has) await page.evaluate(`${AXE};void 0`);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  axeFindings[view] = result.violations.map((v) => `${v.id}:${v.impact}`);
  check(bad.length === 0, `axe on ${view}: ${bad.map((v) => `${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`).join("; ")}`);
}
async function ready() {
  await page.locator('.view[data-ready="true"]').waitFor();
}
async function go(view) {
  await page.goto(`${base}/dashboard/#/${view}`);
  await ready();
}
const licenseRow = () => page.locator("tbody tr", { hasText: "Customer One" });

let licenseId = null;
let licenseKey = null;

await step("GET /dashboard redirects to /dashboard/ and the API still answers beside it", async () => {
  const r = await fetch(`${base}/dashboard`, { redirect: "manual" });
  check(r.status >= 300 && r.status < 400 && (r.headers.get("location") ?? "").endsWith("/dashboard/"), `redirect (got ${r.status} ${r.headers.get("location")})`);
  const html = await fetch(`${base}/dashboard/`);
  check(html.status === 200 && (html.headers.get("content-type") ?? "").startsWith("text/html"), "index.html served");
  const ping = await fetch(`${base}/v1/ping`);
  check(ping.status === 200, `/v1/ping 200 (got ${ping.status})`);
  const nf = await fetch(`${base}/v1/accounts/${account}/licenses`);
  check(nf.status === 401 && (nf.headers.get("content-type") ?? "").includes("json"), `/v1 without a token is the API's 401 (got ${nf.status})`);
});

await step("sign in (email/password, default account)", async () => {
  await page.goto(`${base}/dashboard`);
  await page.getByLabel("Email").waitFor();
  await snapshot("signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator(".notice-error", { hasText: "CREDENTIALS_INVALID" }).waitFor();
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
  await ready();
  const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem("latchkey.dashboard.session")));
  check(stored?.account === account && /^admin-/.test(stored?.token ?? ""), "session in sessionStorage with the account id");
});

await step("the checks can fail: axe flags an unlabelled field and low contrast; the guard catches a non-loopback request", async () => {
  await page.evaluate(() => {
    const probe = document.createElement("div");
    probe.id = "probe";
    probe.innerHTML = "<input type=text><p>faint text</p>";
    // Through the CSSOM: the page's CSP (style-src 'self') drops inline style attributes.
    probe.querySelector("p").style.color = "#c8c8c8";
    document.body.append(probe);
  });
  await page.evaluate(`${AXE};void 0`);
  const ids = await page.evaluate(() => window.axe.run("#probe", { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => `${v.id}:${v.impact}`)));
  await page.evaluate(() => document.getElementById("probe").remove());
  check(ids.includes("label:critical") && ids.includes("color-contrast:serious"), `axe found ${ids.join(", ")}`);
  // The dashboard's CSP (connect-src 'self') refuses another host before any request is made.
  const byCsp = await page.evaluate(() => fetch("http://probe.invalid/x").then(() => "answered", () => "refused"));
  check(byCsp === "refused" && offLoopback.length === 0, `CSP (${byCsp}, ${offLoopback.join(", ")})`);
  // A page without that CSP: the route handler aborts the request (.invalid never resolves).
  const bare = await context.newPage();
  const byGuard = await bare.evaluate(() => fetch("http://probe.invalid/y").then(() => "answered", () => "refused"));
  await bare.close();
  check(byGuard === "refused" && offLoopback.length === 1 && offLoopback[0] === "http://probe.invalid/y", `guard (${byGuard}, ${offLoopback.join(", ")})`);
  // The probes themselves; any other off-loopback request or page error fails the last step.
  offLoopback.length = 0;
  for (let i = pageErrors.length - 1; i >= 0; i--) if (pageErrors[i].includes("probe.invalid")) pageErrors.splice(i, 1);
});

await step("create a product", async () => {
  await go("products");
  await page.getByLabel("Name").fill("Acme App");
  await page.getByLabel("Code (optional)").fill("acme-app");
  await page.getByRole("button", { name: "Create product" }).click();
  await page.locator("tbody tr", { hasText: "Acme App" }).waitFor();
  await snapshot("products");
});

await step("create a policy", async () => {
  await go("policies");
  await page.getByLabel("Product").selectOption({ label: "Acme App" });
  await page.getByLabel("Name").fill("Pro");
  await page.getByLabel("Duration in days (blank: perpetual)").fill("30");
  await page.getByLabel("Machines", { exact: true }).selectOption("floating");
  await page.getByLabel("Max machines (floating; blank: unlimited)").fill("3");
  await page.getByRole("button", { name: "Create policy" }).click();
  await page.locator("tbody tr", { hasText: "Pro" }).filter({ hasText: "30 days" }).waitFor();
  await snapshot("policies");
});

await step("create a license and see it listed", async () => {
  await go("licenses");
  const create = page.getByRole("form", { name: "Create a license" });
  await create.getByLabel("Policy").selectOption({ label: "Pro" });
  await create.getByLabel("Name").fill("Customer One");
  await create.getByRole("button", { name: "Create license" }).click();
  await page.locator(".notice-ok", { hasText: "License created:" }).waitFor();
  await licenseRow().filter({ hasText: "ACTIVE" }).waitFor();
  const href = await licenseRow().getByRole("link", { name: "Customer One" }).getAttribute("href");
  licenseId = decodeURIComponent(href.split("/").pop());
  licenseKey = await licenseRow().locator("code.key").getAttribute("title");
  const api = await call(base, "GET", A(`/licenses/${licenseId}`), adminToken);
  check(api.status === 200 && api.doc.data.attributes.key === licenseKey && api.doc.data.attributes.name === "Customer One", "the license exists in the API with that key");
});

await step("search and filter licenses", async () => {
  await page.getByLabel("Search licenses").fill("customer");
  await licenseRow().waitFor();
  await page.getByLabel("Search licenses").fill("no-such-license");
  await page.getByText("No license on this page matches.").waitFor();
  await page.getByLabel("Search licenses").fill("");
  await licenseRow().waitFor();
  await page.getByLabel("Status").selectOption("SUSPENDED");
  await page.getByText("No licenses.").waitFor();
  await page.getByLabel("Status").selectOption("");
  await licenseRow().waitFor();
});

await step("suspend the license", async () => {
  await page.getByRole("button", { name: "Suspend Customer One" }).click();
  await licenseRow().filter({ hasText: "SUSPENDED" }).waitFor();
  await page.getByLabel("Status").selectOption("SUSPENDED");
  await licenseRow().waitFor();
  await page.getByLabel("Status").selectOption("");
  await licenseRow().waitFor();
  await snapshot("licenses");
  const api = await call(base, "GET", A(`/licenses/${licenseId}`), adminToken);
  check(api.doc.data.attributes.suspended === true, "suspended in the API");
});

await step("export the licenses as CSV, part by part (Link rel=next)", async () => {
  // Two more licenses through the API, and one row per part: three parts to follow.
  const pol = (await call(base, "GET", A("/licenses/" + licenseId), adminToken)).doc.data.relationships.policy.data.id;
  for (const name of ["Export A", "Export B"]) {
    const r = await call(base, "POST", A("/licenses"), adminToken, { data: { type: "licenses", attributes: { name }, relationships: { policy: { data: { type: "policies", id: pol } } } } });
    check(r.status === 201, `license ${name} 201 (got ${r.status})`);
  }
  await page.evaluate(() => sessionStorage.setItem("latchkey.dashboard.exportLimit", "1"));
  const [dl] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
  const file = join(OUT, "licenses.csv");
  await dl.saveAs(file);
  // At least 3 parts (the last may be empty: the server learns the end by reading past it).
  const said = await page.locator(".notice-ok", { hasText: "Exported licenses.csv" }).innerText();
  check(Number(said.match(/\((\d+) parts?\)/)?.[1]) >= 3, `followed every part (${said})`);
  const lines = readFileSync(file, "utf8").split("\r\n").filter((l) => l);
  check(lines.length === 4 && lines.filter((l) => l.startsWith("id,")).length === 1, `header once + 3 licenses (got ${lines.length} lines)`);
  check(["Customer One", "Export A", "Export B"].every((n) => lines.some((l) => l.includes(n))), "every license in the file");
  // The filter travels with every part: only the suspended one.
  await page.getByLabel("Status").selectOption("SUSPENDED");
  await licenseRow().waitFor();
  const [dl2] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
  await dl2.saveAs(file);
  const suspended = readFileSync(file, "utf8").split("\r\n").filter((l) => l);
  check(suspended.length === 2 && suspended[1].includes("Customer One"), `only the suspended license (got ${suspended.length - 1})`);
  await page.getByLabel("Status").selectOption("");
  await page.evaluate(() => sessionStorage.removeItem("latchkey.dashboard.exportLimit"));
});

await step("see license.suspended in the event log", async () => {
  await go("events");
  const row = page.locator("tbody tr", { hasText: "license.suspended" }).first();
  await row.waitFor();
  check((await row.innerText()).includes(licenseId.slice(0, 8)), "the event names the license");
  await page.getByLabel("Event name").fill("license.created");
  await page.getByLabel("Event name").press("Enter");
  // The filtered list replaces the full one: license.suspended disappears, license.created stays.
  await page.locator("tbody tr", { hasText: "license.suspended" }).first().waitFor({ state: "detached" });
  await page.locator("tbody tr", { hasText: "license.created" }).first().waitFor();
  await page.getByLabel("Event name").fill("");
  await page.getByLabel("Event name").press("Enter");
  await page.locator("tbody tr", { hasText: "license.suspended" }).first().waitFor();
  await snapshot("events");
});

await step("reinstate and renew", async () => {
  await go("licenses");
  await page.getByRole("button", { name: "Reinstate Customer One" }).click();
  await licenseRow().filter({ hasText: "ACTIVE" }).waitFor();
  const before = (await call(base, "GET", A(`/licenses/${licenseId}`), adminToken)).doc.data.attributes.expiry;
  await page.getByRole("button", { name: "Renew Customer One" }).click();
  await page.locator(".notice-ok", { hasText: "License renewed." }).waitFor();
  const after = (await call(base, "GET", A(`/licenses/${licenseId}`), adminToken)).doc.data.attributes.expiry;
  check(Date.parse(after) > Date.parse(before), `expiry moved (${before} → ${after})`);
});

await step("activity: a validation and an activation through the API", async () => {
  const v = await call(base, "POST", A("/licenses/actions/validate-key"), adminToken, { meta: { key: licenseKey } });
  check(v.status === 200 && typeof v.doc.meta.code === "string", `validate-key (got ${v.status} ${v.doc?.meta?.code})`);
  const m = await call(base, "POST", A("/machines"), adminToken, {
    data: { type: "machines", attributes: { fingerprint: "fp-dashboard-1", name: "Build box" }, relationships: { license: { data: { type: "licenses", id: licenseId } } } },
  });
  check(m.status === 201, `activation 201 (got ${m.status})`);
  // A second machine that has sent a heartbeat: ALIVE beside the first one's NOT_STARTED.
  const m2 = await call(base, "POST", A("/machines"), adminToken, {
    data: { type: "machines", attributes: { fingerprint: "fp-dashboard-2" }, relationships: { license: { data: { type: "licenses", id: licenseId } } } },
  });
  check(m2.status === 201, `second activation 201 (got ${m2.status})`);
  const ping = await call(base, "POST", A(`/machines/${m2.doc.data.id}/actions/ping`), adminToken);
  check(ping.status === 200 && ping.doc.data.attributes.heartbeatStatus === "ALIVE", `ping (got ${ping.status} ${ping.doc?.data?.attributes?.heartbeatStatus})`);
});

await step("a license's page: machines and the license file download", async () => {
  await go(`licenses/${encodeURIComponent(licenseId)}`);
  await page.locator("tbody tr", { hasText: "fp-dashboard-1" }).waitFor();
  const [dl] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download license file" }).click()]);
  const file = join(OUT, "license.lic");
  await dl.saveAs(file);
  const text = readFileSync(file, "utf8");
  check(text.startsWith("-----BEGIN LICENSE FILE-----") && text.trimEnd().endsWith("-----END LICENSE FILE-----"), "a license file certificate");
  check(dl.suggestedFilename().endsWith(".lic"), `file name ${dl.suggestedFilename()}`);
  await page.locator(".notice-ok", { hasText: "License file downloaded." }).waitFor();
  // The page reloads the license after the download: the check-out time is shown.
  await page.locator("dt", { hasText: "Last check-out" }).locator("xpath=following-sibling::dd[1]").filter({ hasText: "UTC" }).waitFor();
  await snapshot("license");
});

await step("machines with heartbeat status", async () => {
  await go("machines");
  await page.locator("tbody tr", { hasText: "fp-dashboard-1" }).filter({ hasText: "NOT_STARTED" }).waitFor();
  const alive = page.locator("tbody tr", { hasText: "fp-dashboard-2" }).filter({ hasText: "ALIVE" });
  await alive.waitFor();
  check((await alive.innerText()).match(/UTC/g)?.length >= 3, "last heartbeat, next due and activation times shown");
  await page.getByLabel("Filter by license").fill("00000000-0000-4000-8000-000000000000");
  await page.getByLabel("Filter by license").press("Enter");
  await page.getByText("No machines.").waitFor();
  await page.getByLabel("Filter by license").fill(licenseId);
  await page.getByLabel("Filter by license").press("Enter");
  await alive.waitFor();
  await snapshot("machines");
});

await step("users: create and ban", async () => {
  await go("users");
  const create = page.getByRole("form", { name: "Create a user" });
  await create.getByLabel("Email").fill("customer@dashboard.test");
  await create.getByLabel("First name").fill("Casey");
  await create.getByRole("button", { name: "Create user" }).click();
  const row = page.locator("tbody tr", { hasText: "customer@dashboard.test" });
  await row.filter({ hasText: "ACTIVE" }).waitFor();
  await page.getByRole("button", { name: "Ban customer@dashboard.test" }).click();
  await row.filter({ hasText: "BANNED" }).waitFor();
  await snapshot("users");
});

await step("webhooks: an endpoint, a delivery to a loopback receiver, a retry", async () => {
  await go("webhooks");
  await page.getByLabel("URL").fill(receiver.url);
  await page.getByLabel("Subscriptions (comma-separated; blank: all)").fill("license.suspended");
  await page.getByRole("button", { name: "Create endpoint" }).click();
  await page.locator("tbody tr", { hasText: receiver.url }).waitFor();
  const s = await call(base, "POST", A(`/licenses/${licenseId}/actions/suspend`), adminToken);
  check(s.status === 200, `suspend through the API (got ${s.status})`);
  const delivered = page.locator("tbody tr", { hasText: "license.suspended" }).filter({ hasText: "DELIVERED" });
  for (let i = 0; i < 40 && (await delivered.count()) === 0; i++) {
    await page.waitForTimeout(250);
    await page.getByRole("button", { name: "Refresh deliveries" }).click();
    await page.locator(".notice-ok", { hasText: "Deliveries refreshed." }).waitFor();
  }
  await delivered.first().waitFor();
  check(receiver.hits.length === 1, `one delivery received (got ${receiver.hits.length})`);
  await delivered.first().getByRole("button", { name: /^Retry delivery/ }).click();
  await page.locator(".notice-ok", { hasText: "Delivery retried" }).waitFor();
  for (let i = 0; i < 40 && receiver.hits.length < 2; i++) await page.waitForTimeout(250);
  check(receiver.hits.length === 2, `the retry was delivered (got ${receiver.hits.length})`);
  await page.getByRole("button", { name: "Refresh deliveries" }).click();
  await page.locator("tbody tr", { hasText: "license.suspended" }).nth(1).waitFor();
  await snapshot("webhooks");
});

await step("overview: the activity chart counts the validation and the activation", async () => {
  await go("overview");
  const legend = await page.locator(".legend").innerText();
  check(/Validations \(1\)/.test(legend) && /Activations \(2\)/.test(legend), `legend: ${legend}`);
  check((await page.locator("svg.chart rect").count()) === 28, "14 days × 2 bars");
  await snapshot("overview");
});

await step("releases: shown only where the API serves GET /releases", async () => {
  const r = await call(base, "GET", A("/releases"), adminToken);
  const link = page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Releases" });
  if (r.status === 404) {
    check((await link.count()) === 0, "no Releases link while GET /releases is 404");
  } else {
    await link.click();
    await ready();
    await snapshot("releases");
  }
});

await step("sign out revokes the token", async () => {
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem("latchkey.dashboard.session")).token);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  const r = await call(base, "GET", A("/profile"), token);
  check(r.status === 401, `the old token is refused (got ${r.status})`);
  // A session whose token the API no longer accepts returns to the sign-in form.
  await page.evaluate(([t, a]) => sessionStorage.setItem("latchkey.dashboard.session", JSON.stringify({ token: t, account: a, email: "gone@dashboard.test" })), [token, account]);
  await page.goto(`${base}/dashboard/#/licenses`);
  await page.locator(".notice-error", { hasText: "Your session ended" }).waitFor();
  check((await page.evaluate(() => sessionStorage.getItem("latchkey.dashboard.session"))) === null, "the stale session is forgotten");
});

await step("sign in with a second factor (OTP_REQUIRED, then the code), naming the account by slug", async () => {
  await page.getByLabel("Account id or slug").fill("dashboard");
  await page.getByLabel("Email").fill(otpEmail);
  await page.getByLabel("Password").fill(otpPassword);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByLabel("Authenticator code").waitFor();
  await snapshot("signin-otp");
  // The enabling code's step is used up; the next step's code is accepted (±1 step).
  await page.getByLabel("Authenticator code").fill(totp(secret, Math.max(nowStep(), enabledAt + 1)));
  await page.getByRole("button", { name: "Sign in" }).click();
  // Signed in where the stale session left off (#/licenses), as the OTP admin.
  await page.locator(".who", { hasText: otpEmail }).waitFor();
  await page.getByRole("heading", { name: "Licenses", level: 1 }).waitFor();
  await ready();
  const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem("latchkey.dashboard.session")));
  check(stored?.account === account, "the slug resolved to the account id");
});

await step("no request left loopback, no page error", async () => {
  check(offLoopback.length === 0, `non-loopback requests: ${offLoopback.join(", ")}`);
  check(pageErrors.length === 0, `page errors: ${pageErrors.join(" | ")}`);
});

clearTimeout(hard);
await cleanup();
console.log(`axe (all impacts) per view: ${JSON.stringify(axeFindings)}`);
console.log(`screenshots: ${OUT}/*.png`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
summarised = true;
process.exit(failed === 0 ? 0 : 1);
