/**
 * An upstream Rekor v1 behind the {@link TransparencyLog} port, through its REST API
 * (sigstore/rekor openapi.yaml): `GET /api/v1/log` (latest signed tree head), `GET
 * /api/v1/log/entries?logIndex=`, `GET /api/v1/log/entries/{uuid}`, `POST
 * /api/v1/log/entries/retrieve`, `POST /api/v1/index/retrieve` (search by artifact digest or
 * email), `GET /api/v1/log/proof` (consistency).
 *
 * Nothing is passed through unchecked: the latest checkpoint goes through
 * {@link UpstreamCheckpoints} (signature by the trusted root's log key, consistency with the last
 * one seen, persisted); every entry's body must hash to its UUID and its inclusion proof must
 * lead to the root of the signed checkpoint it comes with, whose signature is verified too;
 * a consistency proof ending at the latest accepted size must verify against that root where the
 * first root is known. What Rekor v1 cannot answer: inclusion proofs against an older tree size
 * (it proves against its current tree only) and checkpoints of older sizes.
 */
import { InvalidArgumentError, NotFoundError, UnavailableError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { merkleLeafHash, verifyInclusionProof } from "../audit/merkle-verify.js";
import {
  LogCannotAnswerError,
  type CheckpointEvent,
  type ConsistencyProof,
  type EntryPage,
  type EntryQuery,
  type LogAppendRequest,
  type LogCapabilities,
  type LogCapability,
  type LogEntry,
  type PageOptions,
  type PublishedCheckpoint,
  type TransparencyLog,
  type TreeInclusionProof,
} from "../transparency-log.js";
import type { TrustedRootDocument } from "../trust-root-source.js";
import { CheckpointError } from "../rekor/signed-note.js";
import { field } from "./json-fields.js";
import { DefinitiveError, TransientUpstreamError } from "./retrying-call.js";
import { verifyCheckpointWithTrustedRoot, type UpstreamCheckpoints } from "./upstream-checkpoints.js";
import { jsonBody, snippet, type UpstreamHttp, type UpstreamResponse } from "./upstream-http.js";

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;
/** Rekor's limit of items per `entries/retrieve` list. */
const RETRIEVE_BATCH = 10;
/** Most search hits fetched to sort and page (Rekor answers UUIDs in no particular order). */
const MAX_SEARCH_HITS = 2_000;

const V1_CAPABILITIES: LogCapabilities = Object.freeze({
  append: false,
  readByIndex: true,
  readByUuid: true,
  search: true,
  inclusionProof: true,
  consistencyProof: true,
  checkpointHistory: false,
  watch: true,
});

export interface RekorV1LogOptions {
  /** Appends an entry the service did not sign (an inner signature); without it, `append` is refused. */
  readonly append?: (request: LogAppendRequest) => Promise<LogEntry>;
  /** Rekor's base URL, with its own deadline, retries and breaker. */
  readonly http: UpstreamHttp;
  readonly checkpoints: UpstreamCheckpoints;
  readonly trustedRoot: () => TrustedRootDocument;
  readonly log: Logger;
  readonly onTamper?: (what: string) => void;
}

const isSafeInteger = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);
const hex = (v: unknown): Buffer | undefined => (typeof v === "string" && /^([0-9a-f]{2})*$/i.test(v) ? Buffer.from(v, "hex") : undefined);

/** Rekor v1's latest tree head (`GET /api/v1/log`): the signed note. */
export function signedTreeHeadOf(json: unknown): string {
  const sth = (json as { signedTreeHead?: unknown } | null)?.signedTreeHead;
  if (typeof sth !== "string") throw new TransientUpstreamError("the log info has no signedTreeHead");
  return sth;
}

/** Rekor v1's consistency proof hashes (`GET /api/v1/log/proof`), hex → bytes. */
export function consistencyHashesOf(json: unknown): Buffer[] {
  const hashes = (json as { hashes?: unknown } | null)?.hashes;
  if (!Array.isArray(hashes)) throw new TransientUpstreamError("the consistency proof has no hashes");
  return hashes.map((h) => hex(h) ?? Buffer.alloc(0));
}

export class RekorV1Log implements TransparencyLog {
  readonly capabilities: LogCapabilities;
  readonly #o: RekorV1LogOptions;

  constructor(options: RekorV1LogOptions) {
    this.#o = options;
    this.capabilities = Object.freeze({ ...V1_CAPABILITIES, append: options.append !== undefined });
  }

  insteadOf(capability: LogCapability): string {
    switch (capability) {
      case "append":
        return "Sign appends through the signing pipeline";
      case "checkpointHistory":
        return "only the latest checkpoint is kept; ask for a consistency proof from an older size instead";
      default:
        return "";
    }
  }

  /**
   * The refusal of data that does not match its signed checkpoint. Definitive: it is thrown while
   * decoding an answer, and retrying it inside the call would only count the same answer against
   * the circuit (and raise the alarm again) until the deadline.
   */
  #tampered(what: string): DefinitiveError {
    this.#o.log.error({ component: "rekor", what }, "the log served data that does not match its signed checkpoint");
    this.#o.onTamper?.(what);
    return new DefinitiveError(
      new UnavailableError("rekor", `the log served data that does not match its signed checkpoint: ${what}`, { retryAfterMs: 30_000 }),
    );
  }

  /** Checks one `{uuid: LogEntry}` element and turns it into the port's entry. */
  #entry(uuidKey: string, raw: unknown): LogEntry {
    const rawBody = field(raw, "body");
    const body = typeof rawBody === "string" ? Buffer.from(rawBody, "base64") : undefined;
    const verification = field(raw, "verification");
    const proof = field(verification, "inclusionProof");
    const logIndex = field(raw, "logIndex");
    const checkpoint = field(proof, "checkpoint");
    const proofHashes = field(proof, "hashes");
    if (!body || !isSafeInteger(logIndex) || typeof checkpoint !== "string" || !Array.isArray(proofHashes) || !isSafeInteger(field(proof, "treeSize"))) {
      throw this.#tampered(`entry ${uuidKey} lacks its body, index or inclusion proof with a checkpoint`);
    }
    const leaf = merkleLeafHash(body);
    // An 80-hex UUID is the tree ID (16 hex) followed by the leaf hash.
    if (uuidKey.slice(-64).toLowerCase() !== leaf.toString("hex")) throw this.#tampered(`entry ${uuidKey}'s body does not hash to its UUID`);
    let cp: PublishedCheckpoint;
    try {
      cp = verifyCheckpointWithTrustedRoot(checkpoint, this.#o.trustedRoot());
    } catch (err) {
      if (err instanceof CheckpointError) throw this.#tampered(`entry ${logIndex}'s checkpoint does not verify: ${err.message}`);
      throw err;
    }
    const rawProofIndex = field(proof, "logIndex");
    const proofIndex = isSafeInteger(rawProofIndex) ? rawProofIndex : logIndex;
    const hashes = proofHashes.map((h: unknown) => hex(h) ?? Buffer.alloc(0));
    if (cp.treeSize !== field(proof, "treeSize") || !verifyInclusionProof(leaf, proofIndex, cp.treeSize, hashes, cp.rootHash)) {
      throw this.#tampered(`the inclusion proof of entry ${logIndex} does not lead to its signed checkpoint`);
    }
    let kind = "";
    let version = "";
    try {
      const parsed = JSON.parse(body.toString("utf8")) as { kind?: unknown; apiVersion?: unknown };
      if (typeof parsed.kind === "string" && typeof parsed.apiVersion === "string") [kind, version] = [parsed.kind, parsed.apiVersion];
    } catch {
      // proven to be in the log, yet not a Rekor body
    }
    const set = field(verification, "signedEntryTimestamp");
    const integratedTime = field(raw, "integratedTime");
    return {
      uuid: uuidKey,
      logIndex,
      logId: { keyId: hex(field(raw, "logID")) ?? Buffer.alloc(0) },
      kindVersion: { kind, version },
      integratedTime: isSafeInteger(integratedTime) ? integratedTime : 0,
      inclusionPromise: typeof set === "string" ? { signedEntryTimestamp: Buffer.from(set, "base64") } : undefined,
      inclusionProof: { logIndex: proofIndex, rootHash: cp.rootHash, treeSize: cp.treeSize, hashes, checkpoint: { envelope: cp.envelope } },
      canonicalizedBody: body,
    };
  }

  #single(res: UpstreamResponse, what: string): LogEntry {
    // A definitive answer: not retried, and not a failure of the upstream (the circuit stays closed).
    if (res.status === 404) throw new DefinitiveError(new NotFoundError(`${what} is not in the log`));
    if (res.status !== 200) throw new TransientUpstreamError(`${what}: HTTP ${res.status}${snippet(res.body)}`);
    const json = jsonBody(res, what);
    const entries: Array<[string, unknown]> = json && typeof json === "object" && !Array.isArray(json) ? Object.entries(json) : [];
    const only = entries[0];
    if (entries.length !== 1 || !only) throw new TransientUpstreamError(`${what}: not a single {uuid: entry} object`);
    return this.#entry(only[0], only[1]);
  }

  append(request: LogAppendRequest): Promise<LogEntry> {
    if (!this.#o.append)
      return Promise.reject(new LogCannotAnswerError("append", "this log is written through the signing pipeline only", this.insteadOf("append")));
    return this.#o.append(request);
  }

  async entryByIndex(logIndex: number): Promise<LogEntry> {
    if (!Number.isSafeInteger(logIndex) || logIndex < 0) throw new InvalidArgumentError("logIndex", `${logIndex} is out of range`);
    return this.#o.http.call(`/api/v1/log/entries?logIndex=${logIndex}`, { headers: { accept: "application/json" } }, (res) =>
      this.#single(res, `entry ${logIndex}`),
    );
  }

  async entryByUuid(uuid: string): Promise<LogEntry> {
    if (!/^([0-9a-f]{16})?[0-9a-f]{64}$/i.test(uuid)) throw new InvalidArgumentError("uuid", "must be 64 hex characters (or 80 with a tree ID)");
    return this.#o.http.call(`/api/v1/log/entries/${uuid}`, { headers: { accept: "application/json" } }, (res) => this.#single(res, `entry ${uuid}`));
  }

  async search(query: EntryQuery, page: PageOptions = {}): Promise<EntryPage> {
    const pageSize = page.pageSize ?? DEFAULT_PAGE;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE)
      throw new InvalidArgumentError("pageSize", `${pageSize} is out of range; expected 1 to ${MAX_PAGE}`);
    const body = "artifactDigest" in query ? { hash: query.artifactDigest } : { email: query.signerSubject };
    const uuids = await this.#o.http.call(
      "/api/v1/index/retrieve",
      { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify(body) },
      (res) => {
        if (res.status !== 200) throw new TransientUpstreamError(`index/retrieve: HTTP ${res.status}${snippet(res.body)}`);
        const list = jsonBody(res, "the index answer");
        if (!Array.isArray(list) || !list.every((u) => typeof u === "string"))
          throw new TransientUpstreamError("index/retrieve did not answer a list of UUIDs");
        return list;
      },
    );
    if (uuids.length > MAX_SEARCH_HITS)
      throw new UnavailableError("rekor", `the search matches ${uuids.length} entries, more than the ${MAX_SEARCH_HITS} this service pages through`);
    const entries: LogEntry[] = [];
    for (let i = 0; i < uuids.length; i += RETRIEVE_BATCH) {
      const batch = uuids.slice(i, i + RETRIEVE_BATCH);
      const got = await this.#o.http.call(
        "/api/v1/log/entries/retrieve",
        { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify({ entryUUIDs: batch }) },
        (res) => {
          if (res.status !== 200) throw new TransientUpstreamError(`entries/retrieve: HTTP ${res.status}${snippet(res.body)}`);
          const list = jsonBody(res, "the entries");
          if (!Array.isArray(list)) throw new TransientUpstreamError("entries/retrieve did not answer a list");
          return list.flatMap((m: unknown) => {
            const pairs: Array<[string, unknown]> = Object.entries(m ?? {});
            return pairs.map(([u, e]) => this.#entry(u, e));
          });
        },
      );
      entries.push(...got);
    }
    const after = page.afterIndex ?? -1;
    const sorted = [...new Map(entries.map((e) => [e.logIndex, e])).values()].filter((e) => e.logIndex > after).sort((a, b) => a.logIndex - b.logIndex);
    const slice = sorted.slice(0, pageSize);
    return { entries: slice, nextAfterIndex: sorted.length > pageSize ? slice.at(-1)?.logIndex : undefined };
  }

  async inclusionProof(logIndex: number, treeSize?: number): Promise<TreeInclusionProof> {
    const e = await this.entryByIndex(logIndex);
    if (treeSize !== undefined && treeSize !== e.inclusionProof.treeSize) {
      throw new LogCannotAnswerError(
        "inclusionProof",
        `Rekor v1 proves inclusion against its current tree (${e.inclusionProof.treeSize}) only, not against size ${treeSize}`,
        "ask for the entry without a tree size, and a consistency proof between the two sizes",
      );
    }
    return e.inclusionProof;
  }

  async consistencyProof(firstSize: number, lastSize?: number): Promise<ConsistencyProof> {
    const cp = await this.#o.checkpoints.latest();
    const last = lastSize ?? cp.treeSize;
    if (!(Number.isSafeInteger(firstSize) && firstSize >= 1)) throw new InvalidArgumentError("firstSize", "must be at least 1");
    if (firstSize > last) throw new InvalidArgumentError("firstSize", `${firstSize} is larger than lastSize ${last}`);
    if (last > cp.treeSize) throw new InvalidArgumentError("lastSize", `${last} is beyond the log's latest checkpoint (${cp.treeSize})`);
    const hashes = await this.rawConsistencyProof(firstSize, last);
    // Rekor v1 does not give the first tree's root; a caller holding it checks the proof.
    return { firstSize, lastSize: last, firstRootHash: Buffer.alloc(0), lastRootHash: last === cp.treeSize ? cp.rootHash : Buffer.alloc(0), hashes };
  }

  /** `GET /api/v1/log/proof`, unchecked (UpstreamCheckpoints checks it against both signed roots). */
  rawConsistencyProof(first: number, last: number): Promise<Buffer[]> {
    return this.#o.http.call(`/api/v1/log/proof?firstSize=${first}&lastSize=${last}`, { headers: { accept: "application/json" } }, (res) => {
      if (res.status === 400) throw new DefinitiveError(new InvalidArgumentError("lastSize", `the log refused sizes ${first}..${last}${snippet(res.body)}`));
      if (res.status !== 200) throw new TransientUpstreamError(`log/proof: HTTP ${res.status}${snippet(res.body)}`);
      return consistencyHashesOf(jsonBody(res, "the consistency proof"));
    });
  }

  latestCheckpoint(): Promise<PublishedCheckpoint> {
    return this.#o.checkpoints.latest();
  }

  async checkpointAt(treeSize: number): Promise<PublishedCheckpoint | undefined> {
    const cp = await this.#o.checkpoints.latest();
    return cp.treeSize === treeSize ? cp : undefined;
  }

  watch(listener: (event: CheckpointEvent) => void): () => void {
    return this.#o.checkpoints.watch(listener);
  }

  close(): Promise<void> {
    this.#o.checkpoints.close();
    return Promise.resolve();
  }
}
