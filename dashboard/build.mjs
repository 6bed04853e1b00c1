#!/usr/bin/env node
// Builds the dashboard into dashboard/build/dashboard/ (served by the Worker's static assets
// under /dashboard/, wrangler.toml [assets]): src/main.js bundled and minified by esbuild into
// app.js, src/app.css copied as app.css, src/index.html copied. No CDN, no external fonts:
// everything the pages load comes from these three files. src/_headers becomes build/_headers
// (their response headers).
// Usage: node dashboard/build.mjs   (scripts/build-dashboard; scripts/build runs it)
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, "build", "dashboard");

rmSync(join(HERE, "build"), { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
await esbuild.build({
  entryPoints: [join(HERE, "src", "main.js")],
  outfile: join(OUT, "app.js"),
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2022"],
  legalComments: "none",
  logLevel: "warning",
});
copyFileSync(join(HERE, "src", "app.css"), join(OUT, "app.css"));
copyFileSync(join(HERE, "src", "index.html"), join(OUT, "index.html"));
// Response headers (CSP with frame-ancestors, nosniff…), read by wrangler and Miniflare.
copyFileSync(join(HERE, "src", "_headers"), join(HERE, "build", "_headers"));
console.log("build-dashboard: dashboard/build/dashboard/{index.html,app.js,app.css} and dashboard/build/_headers");
