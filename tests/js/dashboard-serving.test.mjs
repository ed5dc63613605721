// The server serves the built dashboard at `/` (server/src/http/dashboard.rs): the folder is
// found without configuration (here named by AGENTCAST_DASHBOARD_DIR, the first place it
// looks), content types are right, Trunk's hashed assets are cached as immutable, index.html
// is revalidated, client routes get index.html, and unknown API paths keep their JSON 404.
//
// Run: AGENTCAST_BIN=/path/to/agentcast node --test dashboard-serving.test.mjs

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { request } from "node:http";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";

import { startServer } from "./lib/server.mjs";

const WASM = "agentcast-dashboard-0123456789abcdef_bg.wasm";
// A large, compressible asset, as the real wasm and JS are.
const BIG = "agentcast-dashboard-0123456789abcdef.js";
const BIG_TEXT = "export const rows = [];\n".repeat(4096);
const INDEX = `<!doctype html><title>agentcast</title><script type="module" src="/${WASM}"></script>`;

let server;
let dist;

before(async () => {
  dist = await mkdtemp(join(tmpdir(), "agentcast-dist-"));
  await writeFile(join(dist, "index.html"), INDEX);
  await writeFile(join(dist, WASM), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  await writeFile(join(dist, "style-fedcba9876543210.css"), "body{}");
  await writeFile(join(dist, "robots.txt"), "User-agent: *\n");
  await writeFile(join(dist, BIG), BIG_TEXT);
  // startServer passes its environment on to the binary.
  process.env.AGENTCAST_DASHBOARD_DIR = dist;
  server = await startServer({ extraArgs: ["--auth", "jwt"] });
});

after(async () => {
  await server?.stop();
  await rm(dist, { recursive: true, force: true });
});

const get = (path, init) => fetch(`${server.url}${path}`, { ...init, signal: AbortSignal.timeout(5000) });

/** A GET with `headers`, resolving with the status, headers and the raw (undecoded) body. */
function rawGet(path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { headers, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/** The status of a GET whose path is sent byte for byte. */
function rawStatus(path) {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}/`, { path, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

describe("the dashboard at /", () => {
  it("serves index.html without a token, revalidated on every load", async () => {
    const response = await get("/");
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(response.headers.get("cache-control"), "no-cache");
    assert.equal(await response.text(), INDEX);
  });

  it("serves hashed assets with their type, cached for a year as immutable", async () => {
    const wasm = await get(`/${WASM}`);
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers.get("content-type"), "application/wasm");
    assert.equal(wasm.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal((await wasm.arrayBuffer()).byteLength, 8);
    const css = await get("/style-fedcba9876543210.css");
    assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
    assert.equal(css.headers.get("cache-control"), "public, max-age=31536000, immutable");
    // A file without a content hash may change under the same name.
    const robots = await get("/robots.txt");
    assert.equal(robots.headers.get("cache-control"), "no-cache");
  });

  it("sends files gzipped to clients that accept it, and plain to the others", async () => {
    const gzipped = await rawGet(`/${BIG}`, { "accept-encoding": "gzip" });
    assert.equal(gzipped.status, 200);
    assert.equal(gzipped.headers["content-encoding"], "gzip");
    assert.equal(gzipped.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.ok(gzipped.body.length < BIG_TEXT.length / 10, `${gzipped.body.length} bytes gzipped`);
    assert.equal(gunzipSync(gzipped.body).toString(), BIG_TEXT);
    const plain = await rawGet(`/${BIG}`);
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.equal(plain.body.toString(), BIG_TEXT);
  });

  it("answers client routes with index.html and missing files with 404", async () => {
    const route = await get("/sessions/demo-1");
    assert.equal(route.status, 200);
    assert.equal(await route.text(), INDEX);
    assert.equal((await get("/missing-0123456789abcdef.js")).status, 404);
    // fetch() would normalise `..` away; node:http sends the path as written.
    assert.equal(await rawStatus("/../../etc/passwd"), 404);
  });

  it("leaves the API alone: its routes still need a token, unknown ones are JSON 404s", async () => {
    assert.equal((await get("/api/sessions")).status, 401);
    const unknown = await get("/api/no-such-route");
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).error.code, "not_found");
    assert.equal((await get("/", { method: "POST" })).status, 405);
  });
});
