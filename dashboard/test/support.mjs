// Helpers of the dashboard's browser test (scripts/dashboard-test.mjs): the e2e server, a
// loopback webhook receiver, TOTP codes for the second-factor sign-in, and a plain API call.
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Starts tests/harness/server.mjs with extra env; resolves to {url, child, logs()}. */
export function startServer(env) {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(ROOT, "tests/harness/server.mjs")], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let logs = "";
    child.stderr.on("data", (d) => (logs += d));
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      const line = buf.split("\n")[0];
      if (buf.includes("\n")) {
        try {
          res({ url: JSON.parse(line).url, child, logs: () => logs });
        } catch (e) {
          rej(new Error(`bad server line ${line}: ${e}\n${logs}`));
        }
      }
    });
    child.on("exit", (code) => rej(new Error(`server exited (${code}):\n${logs}`)));
  });
}

// --- a loopback webhook receiver --------------------------------------------------------------
export function startReceiver() {
  const hits = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      hits.push({ path: req.url, body });
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
    });
  });
  return new Promise((res) => server.listen(0, "127.0.0.1", () => res({ server, hits, url: `http://127.0.0.1:${server.address().port}/hooks` })));
}

// --- TOTP (RFC 6238), for the second-factor sign-in ---------------------------------------------
export function base32(s) {
  const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of s.replace(/=+$/, "").toUpperCase()) bits += A.indexOf(c).toString(2).padStart(5, "0");
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}
export function totp(secret, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", secret).update(msg).digest();
  const o = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

// --- the API, for setup and for checks the pages cannot show ------------------------------------
export async function call(base, method, path, token, body) {
  const res = await fetch(base + path, {
    method,
    headers: { Accept: "application/vnd.api+json", ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { "Content-Type": "application/vnd.api+json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, doc: text ? JSON.parse(text) : null };
}

