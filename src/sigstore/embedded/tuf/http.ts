/**
 * Serves the TUF repository over HTTP under `/tuf/` (GET and HEAD): metadata at
 * `/tuf/<name>.json` and `/tuf/N.<role>.json`, targets at `/tuf/targets/<sha256>.<name>`.
 *
 * A path handler of the HTTP floor (`http/`), so it plugs into the server's paths without this
 * module depending on the server. Versioned and
 * content-addressed files may be cached briefly; unversioned ones (`timestamp.json` above all)
 * must be revalidated, so a cache never hands out metadata the repository has replaced.
 */
import type { ServerResponse } from "node:http";
import { TrustError } from "../../../errors.js";
import { sendJsonError } from "../../../http/reply.js";
import type { PathHandler } from "../../../http/types.js";
import type { TufRepository } from "./repository.js";

/** URL path prefix of the repository. */
export const TUF_PATH_PREFIX = "/tuf/";

/** Seconds a cache may keep a versioned or content-addressed file. */
const VERSIONED_MAX_AGE_S = 300;

/** A path handler for the repository, or for nothing while `repository()` returns undefined. */
export function tufPathHandler(repository: () => TufRepository | undefined): PathHandler {
  return async (req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (!path.startsWith(TUF_PATH_PREFIX)) return false;
    const repo = repository();
    if (repo === undefined) return false;
    const send = (status: number, code: string, message: string, headers: Record<string, string> = {}) => sendJsonError(res, status, code, message, headers);
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(405, "invalid_argument", `${req.method} is not allowed on ${path}; use GET`, { allow: "GET, HEAD" });
      return true;
    }
    const relative = path.slice(TUF_PATH_PREFIX.length);
    let bytes: Buffer | undefined;
    try {
      bytes = await repo.read(relative);
    } catch (err) {
      if (err instanceof TrustError && err.code === "UNAVAILABLE") {
        send(503, "unavailable", "TUF metadata is being renewed; retry shortly", { "retry-after": "5" });
      } else {
        send(500, "internal", "internal error");
      }
      return true;
    }
    if (bytes === undefined) {
      send(404, "not_found", `no TUF file ${path}`);
      return true;
    }
    const versioned = /^(?:targets\/|[0-9]+\.)/.test(relative);
    (res as ServerResponse).writeHead(200, {
      "content-type": "application/json",
      "content-length": bytes.length,
      "cache-control": versioned ? `public, max-age=${VERSIONED_MAX_AGE_S}` : "no-cache",
    });
    if (req.method === "HEAD") res.end();
    else res.end(bytes);
    return true;
  };
}
