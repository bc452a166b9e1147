/**
 * Rekor v1 REST API (sigstore/rekor openapi.yaml) over the embedded transparency log:
 *
 *   POST /api/v1/log/entries            201 {uuid: LogEntry}, 400, 409 + Location (duplicate)
 *   GET  /api/v1/log/entries?logIndex=  200 {uuid: LogEntry}, 404
 *   GET  /api/v1/log/entries/{uuid}     200 {uuid: LogEntry}, 404
 *   POST /api/v1/log/entries/retrieve   200 [LogEntry…] (entryUUIDs, logIndexes, entries; ≤ 10 each)
 *   GET  /api/v1/log                    200 LogInfo (rootHash, treeSize, signedTreeHead, treeID)
 *   GET  /api/v1/log/publicKey          200 PEM
 *   GET  /api/v1/log/proof              200 ConsistencyProof (firstSize default 1, lastSize required)
 *   POST /api/v1/index/retrieve         200 [uuid…] by hash, email or subject
 *
 * Errors are Rekor's `{code: <HTTP status>, message}`. Hashes in proofs are hex, as in Rekor v1.
 */
import { treeIdOf } from "../embedded/tlog/tree-id.js";
import { createHash } from "node:crypto";
import { NotFoundError, TrustError } from "../../errors.js";
import type { EmbeddedStack } from "../embedded/stack.js";
import type { LoggedEntry } from "../embedded/tlog/entry.js";
import { EntryExistsError } from "../embedded/tlog/log-errors.js";
import { MAX_PAGE_SIZE } from "../embedded/tlog/log-types.js";
import { CompatHttpError, integerParam, parseJsonBody, queryParam, readBody, sendBytes, sendJson, type Req, type Res } from "./http.js";
import { acceptProposedEntry } from "./rekor-proposed.js";
import type { CompatAccess, AdmittedWriter } from "./access.js";

/** What the Rekor routes need besides the log. */
export interface RekorRouteOptions {
  /** Largest request body, bytes. */
  readonly maxBodyBytes: number;
  /** Who may read and write (see access.ts). */
  readonly access: CompatAccess;
  /** Told of every appended entry, with its writer (the log line and audit event). */
  readonly onWrite?: (entry: LoggedEntry, writer: AdmittedWriter) => void;
}

/** Most items per list in `entries/retrieve` (Rekor's maxItems). */
const MAX_RETRIEVE_ITEMS = 10;
/** Most UUIDs `index/retrieve` answers with (about 330 KB of JSON). */
const MAX_INDEX_RESULTS = 10 * MAX_PAGE_SIZE;
/** Entries read from the log per step of an index search. */
const INDEX_READ_BATCH = 50;
const ENTRIES_PATH = "/api/v1/log/entries";

/** Rekor's LogEntry element (the value under the UUID key). */
export function rekorLogEntry(entry: LoggedEntry): Record<string, unknown> {
  const proof = entry.inclusionProof;
  return {
    body: entry.canonicalizedBody.toString("base64"),
    integratedTime: entry.integratedTime,
    logID: entry.logId.keyId.toString("hex"),
    logIndex: entry.logIndex,
    verification: {
      inclusionProof: {
        checkpoint: proof.checkpoint.envelope,
        hashes: proof.hashes.map((h) => h.toString("hex")),
        logIndex: proof.logIndex,
        rootHash: proof.rootHash.toString("hex"),
        treeSize: proof.treeSize,
      },
      signedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp.toString("base64"),
    },
  };
}

const keyed = (entry: LoggedEntry) => ({ [entry.uuid]: rekorLogEntry(entry) });

/** Rekor's tree ID is a decimal Trillian ID; ours is derived from the log ID (tlog/tree-id.ts). */
function treeId(stack: EmbeddedStack): string {
  return treeIdOf(stack.log.logId);
}

function leafUuid(canonicalBody: Buffer): string {
  return createHash("sha256")
    .update(Buffer.from([0]))
    .update(canonicalBody)
    .digest("hex");
}

/** Looks an entry up; NotFound becomes undefined (retrieve skips what it does not hold). */
function maybe(get: () => LoggedEntry): LoggedEntry | undefined {
  try {
    return get();
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

function listField(query: Record<string, unknown>, name: string): unknown[] {
  const v = query[name];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length === 0) throw new CompatHttpError(400, `${name} must be a non-empty array`);
  if (v.length > MAX_RETRIEVE_ITEMS) throw new CompatHttpError(422, `${name} must hold at most ${MAX_RETRIEVE_ITEMS} items`);
  return v;
}

/** The Rekor v1 routes; answers true when the path is one of them. */
export function createRekorRoutes(stack: EmbeddedStack, options: RekorRouteOptions) {
  const log = stack.log;
  const { maxBodyBytes, access } = options;

  async function createEntry(req: Req, res: Res): Promise<void> {
    access.admitPeer(req);
    const accepted = acceptProposedEntry(parseJsonBody(await readBody(req, maxBodyBytes)));
    const writer = await access.admitEntry(req, accepted);
    try {
      const entry = await log.append({
        kind: accepted.body.kind,
        apiVersion: accepted.body.apiVersion,
        canonicalBody: accepted.body.canonical,
        artifactDigest: accepted.artifactDigest,
        signerSubject: accepted.signerSubject,
      });
      options.onWrite?.(entry, writer);
      sendJson(res, 201, keyed(entry), { etag: entry.uuid, location: `${ENTRIES_PATH}/${entry.uuid}` });
    } catch (err) {
      if (err instanceof EntryExistsError) {
        throw new CompatHttpError(409, `an equivalent entry already exists in the transparency log with UUID ${err.uuid}`, {
          location: `${ENTRIES_PATH}/${err.uuid}`,
        });
      }
      throw err;
    }
  }

  async function retrieveEntries(req: Req, res: Res): Promise<void> {
    const raw = parseJsonBody(await readBody(req, maxBodyBytes));
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new CompatHttpError(400, "the search query must be an object");
    const query = raw as Record<string, unknown>;
    const uuids = listField(query, "entryUUIDs");
    const indexes = listField(query, "logIndexes");
    const proposed = listField(query, "entries");
    if (uuids.length + indexes.length + proposed.length === 0) throw new CompatHttpError(400, "give entryUUIDs, logIndexes or entries");
    const found: LoggedEntry[] = [];
    for (const [i, uuid] of uuids.entries()) {
      if (typeof uuid !== "string" || !/^([0-9a-fA-F]{16})?[0-9a-fA-F]{64}$/.test(uuid))
        throw new CompatHttpError(400, `entryUUIDs[${i}] must be 64 or 80 hex characters`);
      const e = maybe(() => log.getByUuid(uuid));
      if (e) found.push(e);
    }
    for (const [i, index] of indexes.entries()) {
      if (typeof index !== "number" || !Number.isSafeInteger(index) || index < 0) throw new CompatHttpError(400, `logIndexes[${i}] must be an integer >= 0`);
      const e = maybe(() => log.getByIndex(index));
      if (e) found.push(e);
    }
    for (const p of proposed) {
      const e = maybe(() => log.getByUuid(leafUuid(acceptProposedEntry(p).body.canonical)));
      if (e) found.push(e);
    }
    sendJson(res, 200, found.map(keyed));
  }

  async function searchIndex(req: Req, res: Res): Promise<void> {
    const raw = parseJsonBody(await readBody(req, 64 * 1024));
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new CompatHttpError(400, "the search query must be an object");
    const { hash, email, subject, publicKey, operator = "or" } = raw as Record<string, unknown>;
    if (publicKey !== undefined) throw new CompatHttpError(400, "search by publicKey is not supported by this log; search by hash, email or subject");
    if (operator !== "and" && operator !== "or") throw new CompatHttpError(400, "operator must be and or or");
    const sets: string[][] = [];
    const collect = (find: (after: number | undefined) => { entries: readonly LoggedEntry[]; nextAfterIndex: number | undefined }) => {
      const out: string[] = [];
      let after: number | undefined;
      do {
        const page = find(after);
        out.push(...page.entries.map((e) => e.uuid));
        after = page.nextAfterIndex;
      } while (after !== undefined && out.length < MAX_INDEX_RESULTS);
      return out.slice(0, MAX_INDEX_RESULTS);
    };
    // Small pages: only the UUIDs are kept, so at most INDEX_READ_BATCH entries are held at once.
    const pageOptions = (after: number | undefined) => ({ pageSize: INDEX_READ_BATCH, ...(after === undefined ? {} : { afterIndex: after }) });
    if (hash !== undefined) {
      const [, algorithm, digest] = (typeof hash === "string" ? /^(?:(sha256|sha512|sha1):)?([0-9a-fA-F]+)$/.exec(hash) : null) ?? [];
      if (digest === undefined || ({ sha256: 64, sha512: 128, sha1: 40 } as Record<string, number>)[algorithm ?? "sha256"] !== digest.length)
        throw new CompatHttpError(400, "hash must be [sha256:|sha512:|sha1:]<hex digest>");
      const key = `${algorithm ?? (digest.length === 64 ? "sha256" : digest.length === 128 ? "sha512" : "sha1")}:${digest.toLowerCase()}`;
      sets.push(collect((after) => log.findByDigest(key, pageOptions(after))));
    }
    for (const [name, value] of [
      ["email", email],
      ["subject", subject],
    ] as const) {
      if (value === undefined) continue;
      if (typeof value !== "string" || value.length === 0 || value.length > 512)
        throw new CompatHttpError(400, `${name} must be a string of 1 to 512 characters`);
      sets.push(collect((after) => log.findBySubject(value, pageOptions(after))));
    }
    if (sets.length === 0) throw new CompatHttpError(400, "give at least one of hash, email or subject");
    const result = operator === "and" ? sets.reduce((a, b) => a.filter((u) => b.includes(u))) : [...new Set(sets.flat())];
    sendJson(res, 200, result);
  }

  function logInfo(res: Res): void {
    const cp = log.latestCheckpoint();
    sendJson(res, 200, {
      rootHash: cp.rootHash.toString("hex"),
      treeSize: cp.treeSize,
      signedTreeHead: cp.envelope,
      treeID: treeId(stack),
      inactiveShards: [],
    });
  }

  function consistency(url: URL, res: Res): void {
    const lastSize = integerParam(url, "lastSize", 1);
    if (lastSize === undefined) throw new CompatHttpError(400, "lastSize is required");
    const firstSize = integerParam(url, "firstSize", 1) ?? 1;
    if (firstSize > lastSize) throw new CompatHttpError(400, "firstSize must not exceed lastSize");
    if (lastSize > log.size) throw new CompatHttpError(400, `lastSize ${lastSize} exceeds the log size ${log.size}`);
    const proof = log.consistencyProof(firstSize, lastSize);
    sendJson(res, 200, { rootHash: proof.lastRootHash.toString("hex"), hashes: proof.hashes.map((h) => h.toString("hex")) });
  }

  function publicKeyPem(): string {
    const tlogKey = stack.publishedKeys().find((k) => k.purpose === "TLOG");
    if (tlogKey === undefined) throw new Error("rekor routes: the stack publishes no TLOG key");
    return tlogKey.publicKeyPem;
  }

  return async function route(req: Req, res: Res, url: URL): Promise<boolean> {
    const path = url.pathname;
    const method = req.method;
    // Every read of the log's contents needs what GetTransparency needs; the public key does not.
    const isWrite = path === ENTRIES_PATH && method === "POST";
    if (
      !isWrite &&
      path !== "/api/v1/log/publicKey" &&
      (path.startsWith(ENTRIES_PATH) || path === "/api/v1/log" || path === "/api/v1/log/proof" || path === "/api/v1/index/retrieve")
    ) {
      await access.authorizeRead(
        req,
        `${method} ${path.startsWith(`${ENTRIES_PATH}/`) && path !== `${ENTRIES_PATH}/retrieve` ? `${ENTRIES_PATH}/{uuid}` : path}`,
      );
    }
    if (path === ENTRIES_PATH) {
      if (method === "POST") await createEntry(req, res);
      else if (method === "GET") {
        const logIndex = integerParam(url, "logIndex", 0);
        if (logIndex === undefined) throw new CompatHttpError(400, "logIndex is required");
        sendJson(res, 200, keyed(log.getByIndex(logIndex)));
      } else throw new CompatHttpError(405, `${method} is not allowed on ${path}`, { allow: "GET, POST" });
      return true;
    }
    if (path === `${ENTRIES_PATH}/retrieve`) {
      if (method !== "POST") throw new CompatHttpError(405, `${method} is not allowed on ${path}`, { allow: "POST" });
      await retrieveEntries(req, res);
      return true;
    }
    if (path.startsWith(`${ENTRIES_PATH}/`)) {
      if (method !== "GET") throw new CompatHttpError(405, `${method} is not allowed on ${path}`, { allow: "GET" });
      const uuid = path.slice(ENTRIES_PATH.length + 1);
      if (!/^([0-9a-fA-F]{16})?[0-9a-fA-F]{64}$/.test(uuid)) throw new CompatHttpError(400, "entryUUID must be 64 or 80 hex characters");
      sendJson(res, 200, keyed(log.getByUuid(uuid)));
      return true;
    }
    const getOnly = () => {
      if (method !== "GET" && method !== "HEAD") throw new CompatHttpError(405, `${method} is not allowed on ${path}`, { allow: "GET" });
    };
    switch (path) {
      case "/api/v1/log":
        getOnly();
        logInfo(res);
        return true;
      case "/api/v1/log/publicKey":
        getOnly();
        if (queryParam(url, "treeID") !== undefined && queryParam(url, "treeID") !== treeId(stack)) throw new CompatHttpError(404, "unknown treeID");
        sendBytes(res, 200, "application/x-pem-file", publicKeyPem());
        return true;
      case "/api/v1/log/proof":
        getOnly();
        consistency(url, res);
        return true;
      case "/api/v1/index/retrieve":
        if (method !== "POST") throw new CompatHttpError(405, `${method} is not allowed on ${path}`, { allow: "POST" });
        await searchIndex(req, res);
        return true;
      default:
        return false;
    }
  };
}

/** Maps a domain error from the log to Rekor's status codes. */
export function rekorStatusOf(err: TrustError): number {
  switch (err.code) {
    case "INVALID_ARGUMENT":
      return 400;
    case "NOT_FOUND":
      return 404;
    case "ALREADY_EXISTS":
      return 409;
    case "RESOURCE_EXHAUSTED":
      return 413;
    case "UNAVAILABLE":
      return 503;
    default:
      return 500;
  }
}
