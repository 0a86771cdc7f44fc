#!/usr/bin/env node
// Fails when the first page load needs more than 250 KB of gzip-compressed JavaScript: every
// script dist/index.html loads (script src and modulepreload), and every module those import
// statically, each gzipped on its own as a server would send it. Dynamic import() is not counted:
// it is loaded later, if at all.
// Usage: node scripts/check-size.mjs [DIST_DIR] [LIMIT_KB]
import { readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(process.argv[2] ?? join(here, "..", "dist"));
const limitKb = Number(process.argv[3] ?? 250);
const BASE = "/console/";

const indexPath = join(dist, "index.html");
if (!existsSync(indexPath)) {
  console.error(`check-size: ${indexPath} not found; run npm run build first`);
  process.exit(2);
}

function fileOfUrl(url, fromFile) {
  if (/^[a-z]+:/i.test(url) || url.startsWith("//")) {
    throw new Error(`${relative(dist, fromFile)} loads ${url} from another origin`);
  }
  if (url.startsWith(BASE)) return join(dist, url.slice(BASE.length));
  if (url.startsWith("/")) return join(dist, url.slice(1));
  return resolve(dirname(fromFile), url);
}

const html = readFileSync(indexPath, "utf8");
const entries = [];
for (const m of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"[^>]*>/g)) entries.push(m[1]);
for (const m of html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"[^>]*>/g)) entries.push(m[1]);
if (/<script\b(?![^>]*\bsrc=)[^>]*>\s*\S/.test(html)) {
  console.error("check-size: index.html has an inline script, which the Content-Security-Policy refuses");
  process.exit(1);
}

// Static imports and re-exports in minified ES modules: `import{a}from"./x.js"`, `import"./y.js"`,
// `export*from"./z.js"`. Not `import("...")`.
const STATIC_IMPORT = /(?:^|[;\n}])\s*(?:import|export)\s*(?:[\w$*{}\s,]*?\s*from\s*)?["']([^"']+)["']/g;

const seen = new Map();
const queue = entries.map((url) => fileOfUrl(url, indexPath));
while (queue.length > 0) {
  const file = queue.shift();
  if (seen.has(file) || !file.endsWith(".js")) continue;
  const text = readFileSync(file);
  seen.set(file, gzipSync(text, { level: 9 }).length);
  for (const m of text.toString("utf8").matchAll(STATIC_IMPORT)) queue.push(fileOfUrl(m[1], file));
}

let total = 0;
for (const [file, size] of seen) {
  total += size;
  console.log(`${(size / 1024).toFixed(1).padStart(8)} KB  ${relative(dist, file)}`);
}
const totalKb = total / 1024;
console.log(`${totalKb.toFixed(1).padStart(8)} KB  gzip JavaScript on first load (limit ${limitKb} KB)`);
if (seen.size === 0) {
  console.error("check-size: index.html loads no script");
  process.exit(1);
}
if (totalKb > limitKb) {
  console.error(`check-size: ${totalKb.toFixed(1)} KB is over the ${limitKb} KB budget`);
  process.exit(1);
}
