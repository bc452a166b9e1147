/**
 * RFC 6962 §4 read API of the embedded CT logs, so a CT monitor can audit them:
 *
 *   GET <log>/ct/v1/get-sth                                  → {tree_size, timestamp, sha256_root_hash, tree_head_signature}
 *   GET <log>/ct/v1/get-sth-consistency?first=&second=       → {consistency: [b64…]}
 *   GET <log>/ct/v1/get-proof-by-hash?hash=<b64>&tree_size=  → {leaf_index, audit_path: [b64…]}
 *   GET <log>/ct/v1/get-entries?start=&end=                  → {entries: [{leaf_input, extra_data}]}
 *
 * `<log>` is `/ctlog/<generation>` for every generation (the `baseUrl` the trusted root names)
 * and the bare root for the current one (`/ct/v1/…`). Submissions (`add-pre-chain`) are not
 * served: only the embedded CA writes to the log, in-process. Errors: `{code, message}` with the
 * HTTP status, as the Rekor endpoints beside these.
 */
import { NotFoundError } from "../../errors.js";
import type { EmbeddedStack } from "../embedded/stack.js";
import { CT_LOG_URL_SEGMENT } from "../embedded/ct/ct-paths.js";
import type { EmbeddedCtLog } from "../embedded/ct/ct-log.js";
import { CompatHttpError, integerParam, queryParam, sendJson, type Req, type Res } from "./http.js";

/** True for the paths this module answers. */
export function isCtPath(path: string): boolean {
  return path.startsWith("/ct/v1/") || path.startsWith(CT_LOG_URL_SEGMENT);
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

function required(url: URL, name: string, min: number): number {
  const v = integerParam(url, name, min);
  if (v === undefined) throw new CompatHttpError(400, `query parameter ${name} is required`);
  return v;
}

export function createCtRoutes(stack: EmbeddedStack) {
  const byGeneration = new Map(stack.ctGenerations.map((g) => [String(g.generation), g.authority]));
  const latest = stack.ctGenerations.at(-1);
  if (latest === undefined) throw new Error("CT routes: the stack has no CT log generation");
  const current = latest.authority;

  function resolve(path: string): { log: EmbeddedCtLog; method: string } | undefined {
    if (path.startsWith("/ct/v1/")) return { log: current, method: path.slice("/ct/v1/".length) };
    const [, generation, method] = /^\/ctlog\/([0-9]{1,6})\/ct\/v1\/([a-z-]+)$/.exec(path) ?? [];
    const log = generation === undefined ? undefined : byGeneration.get(generation);
    return log && method !== undefined ? { log, method } : undefined;
  }

  // Synchronous: every CT read is; the router awaits the other route sets, not this one.
  return function route(req: Req, res: Res, url: URL): boolean {
    const target = resolve(url.pathname);
    if (target === undefined) return false;
    if (req.method !== "GET" && req.method !== "HEAD") throw new CompatHttpError(405, `${req.method} is not allowed on ${url.pathname}`, { allow: "GET" });
    const { log } = target;
    switch (target.method) {
      case "get-sth": {
        const sth = log.latestSth();
        sendJson(res, 200, { tree_size: sth.treeSize, timestamp: sth.timestamp, sha256_root_hash: b64(sth.rootHash), tree_head_signature: b64(sth.signature) });
        return true;
      }
      case "get-sth-consistency": {
        const first = required(url, "first", 0);
        const second = required(url, "second", 0);
        if (first > second) throw new CompatHttpError(400, "first must not exceed second");
        if (second > log.latestSth().treeSize) throw new CompatHttpError(400, "second exceeds the tree size");
        sendJson(res, 200, { consistency: log.consistency(first, second).map(b64) });
        return true;
      }
      case "get-proof-by-hash": {
        const hash = Buffer.from(queryParam(url, "hash") ?? "", "base64");
        if (hash.length !== 32) throw new CompatHttpError(400, "hash must be a base64 SHA-256 leaf hash");
        const treeSize = required(url, "tree_size", 1);
        if (treeSize > log.latestSth().treeSize) throw new CompatHttpError(400, "tree_size exceeds the tree size");
        let proof;
        try {
          proof = log.proofByHash(hash, treeSize);
        } catch (err) {
          if (err instanceof NotFoundError) throw new CompatHttpError(404, "no entry with this leaf hash in a tree of that size");
          throw err;
        }
        sendJson(res, 200, { leaf_index: proof.leafIndex, audit_path: proof.auditPath.map(b64) });
        return true;
      }
      case "get-entries": {
        const start = required(url, "start", 0);
        const end = required(url, "end", 0);
        if (end < start) throw new CompatHttpError(400, "end must not be below start");
        if (start >= log.latestSth().treeSize) throw new CompatHttpError(400, "start is beyond the tree size");
        sendJson(res, 200, { entries: log.entries(start, end).map((e) => ({ leaf_input: b64(e.leafInput), extra_data: b64(e.extraData) })) });
        return true;
      }
      default:
        return false;
    }
  };
}
