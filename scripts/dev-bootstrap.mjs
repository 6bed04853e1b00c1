// Used by scripts/dev: waits for `wrangler dev` to answer, then creates the dev account once
// (POST /v1/accounts with the bootstrap token) and stores it in .wrangler/dev-account.json;
// on later runs prints the stored one. Exits quietly if wrangler (pid argv[5]) goes away first.
// Usage: node scripts/dev-bootstrap.mjs <url> <bootstrap-token> <account-file> <wrangler-pid>
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

const [url, bootstrapToken, file, pid] = process.argv.slice(2);
const alive = () => {
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function show(account, fresh) {
  const line = "-".repeat(72);
  console.log(
    [
      "",
      line,
      fresh ? "Latchkey dev account created (stored in " + file + ")" : "Latchkey dev account (from " + file + ")",
      `  url          ${url}`,
      `  account id   ${account.accountId}`,
      `  admin token  ${account.adminToken}`,
      `  public key   ${account.publicKey}`,
      `  admin login  ${account.adminEmail} / ${account.adminPassword}`,
      `  try: curl -H 'Authorization: Bearer ${account.adminToken}' ${url}/v1/accounts/${account.accountId}`,
      `  bare /v1/... routes for this account: add LATCHKEY_ACCOUNT_ID=${account.accountId} to .dev.vars`,
      line,
      "",
    ].join("\n"),
  );
}

const deadline = Date.now() + 300_000; // the first start may include a build
for (;;) {
  if (!alive()) process.exit(0);
  try {
    await fetch(url + "/", { signal: AbortSignal.timeout(2000) });
    break; // any HTTP answer means the Worker is up
  } catch {
    if (Date.now() > deadline) {
      console.error(`dev: ${url} did not answer within 5 minutes; no account bootstrapped`);
      process.exit(1);
    }
    await sleep(300);
  }
}

if (existsSync(file)) {
  show(JSON.parse(readFileSync(file, "utf8")), false);
  process.exit(0);
}

const adminEmail = "admin@example.com";
const adminPassword = randomBytes(12).toString("base64url");
const res = await fetch(url + "/v1/accounts", {
  method: "POST",
  headers: {
    Authorization: `Bearer ${bootstrapToken}`,
    "Content-Type": "application/vnd.api+json",
    Accept: "application/vnd.api+json",
  },
  body: JSON.stringify({
    data: {
      type: "accounts",
      attributes: { name: "Dev", slug: "dev" },
      relationships: {
        admins: { data: [{ type: "users", attributes: { email: adminEmail, password: adminPassword } }] },
      },
    },
  }),
});
const text = await res.text();
let doc;
try {
  doc = JSON.parse(text);
} catch {
  doc = null;
}
if (res.status !== 201 || !doc?.data?.id || !doc?.meta?.adminToken) {
  console.error(`dev: bootstrapping the dev account failed: HTTP ${res.status}\n${text}`);
  console.error("dev: if the local database already has a 'dev' account, reset it with: rm -rf .wrangler");
  process.exit(1);
}
const account = {
  url,
  accountId: doc.data.id,
  adminId: doc.meta.adminId,
  adminToken: doc.meta.adminToken,
  publicKey: doc.meta.publicKey ?? doc.data.meta?.publicKey,
  adminEmail,
  adminPassword,
};
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify(account, null, 2) + "\n", { mode: 0o600 });
show(account, true);
