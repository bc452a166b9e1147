/**
 * Serves the web console at `/ui/`: the static files scripts/build-ui.mjs bundles into `dist/ui`
 * (an `index.html` plus content-hashed `.js` and `.css`). Files are read once, kept in memory with
 * a gzip copy, and served with their content type, an ETag, long-lived caching for hashed names,
 * `no-cache` for the page, and a strict Content-Security-Policy (same-origin scripts, styles and
 * fetches only; no inline code; Trusted Types required).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { extname, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { sendJsonError } from "../http/reply.js";
import type { PathHandler, Req, Res } from "../http/types.js";

/** The console's URL prefix. */
export const UI_PREFIX = "/ui/";

/** The policy on every console response. `connect-src 'self'` is what the Connect calls need. */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": UI_CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/** A file name the build made unique by its content (`console-3FZ2KQ7A.js`): cacheable forever. */
const HASHED_NAME = /-[A-Z0-9]{8,}\.[a-z]+$/;

interface Asset {
  body: Buffer;
  gzip: Buffer | undefined;
  contentType: string;
  etag: string;
  cacheControl: string;
}

/**
 * Where the built console is: `dist/ui` beside the compiled server (`dist/src/server` → `dist/ui`),
 * or under the repository when running from sources (`src/server` → `dist/ui`).
 */
export function defaultUiDir(): string {
  const here = import.meta.dirname;
  const fromSources = resolve(here, "../../dist/ui");
  const candidates = [resolve(here, "../../ui"), fromSources];
  return candidates.find((dir) => existsSync(join(dir, "index.html"))) ?? fromSources;
}

function loadAssets(dir: string): Map<string, Asset> | undefined {
  if (!existsSync(join(dir, "index.html"))) return undefined;
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType === undefined) continue;
    const body = readFileSync(join(dir, name));
    const gzip = body.length > 1024 && !contentType.startsWith("image/png") ? gzipSync(body) : undefined;
    assets.set(name, {
      body,
      gzip,
      contentType,
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
      cacheControl: HASHED_NAME.test(name) ? "public, max-age=31536000, immutable" : "no-cache",
    });
  }
  return assets;
}

/**
 * The `/ui/` path handler. The files are loaded on first request (so a server started before the
 * console was built serves it once it is), then kept.
 */
export function createConsoleHandler(dir: string = defaultUiDir()): PathHandler {
  let assets: Map<string, Asset> | undefined;
  return (req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (path !== "/ui" && !path.startsWith(UI_PREFIX)) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendJsonError(res, 405, "invalid_argument", `${req.method} is not allowed on ${path}; use GET`, { allow: "GET, HEAD" });
      return true;
    }
    if (path === "/ui") {
      (res as ServerResponse).writeHead(308, { location: UI_PREFIX, "content-length": 0 });
      res.end();
      return true;
    }
    assets ??= loadAssets(dir);
    if (assets === undefined) {
      sendJsonError(res, 404, "not_found", "the web console is not built; run `npm run build` (it bundles the console into dist/ui)");
      return true;
    }
    const name = path === UI_PREFIX ? "index.html" : path.slice(UI_PREFIX.length);
    const asset = assets.get(name);
    if (asset === undefined) {
      sendJsonError(res, 404, "not_found", `no console file ${path}`);
      return true;
    }
    send(req, res, asset);
    return true;
  };
}

function send(req: Req, res: Res, asset: Asset): void {
  const headers: Record<string, string | number> = {
    ...SECURITY_HEADERS,
    "content-type": asset.contentType,
    "cache-control": asset.cacheControl,
    etag: asset.etag,
    vary: "accept-encoding",
  };
  const ifNoneMatch = req.headers["if-none-match"];
  if (typeof ifNoneMatch === "string" && ifNoneMatch.split(/\s*,\s*/).includes(asset.etag)) {
    (res as ServerResponse).writeHead(304, headers);
    res.end();
    return;
  }
  const acceptEncoding = req.headers["accept-encoding"];
  const gzipped = typeof acceptEncoding === "string" && /\bgzip\b/.test(acceptEncoding) ? asset.gzip : undefined;
  const body = gzipped ?? asset.body;
  if (gzipped !== undefined) headers["content-encoding"] = "gzip";
  headers["content-length"] = body.length;
  (res as ServerResponse).writeHead(200, headers);
  if (req.method === "HEAD") res.end();
  else res.end(body);
}
