/**
 * An upstream Rekor v2 (rekor-tiles on Tessera) behind the {@link TransparencyLog} port, read the
 * way production reads it: the signed `checkpoint` and the C2SP tlog-tiles (hash tiles and entry
 * bundles) from the log's read URL (a bucket, a CDN, or any static file server over a POSIX
 * log's storage directory). The write API (`/api/v2/log/entries`) is the signing witness's
 * (`rekor.ts`), not this adapter's.
 *
 * What it answers, and how it knows the answer is the log's:
 * - the latest checkpoint: verified by {@link UpstreamCheckpoints} (signature by the trusted
 *   root's log key, consistency with the last one seen, persisted) before anything uses it;
 * - an entry by index with its inclusion proof: the entry's leaf hash must equal the stored
 *   level-0 hash, and the audit path computed from the tiles must lead to the verified
 *   checkpoint's root — a tile altered on its way (or on disk) is refused, never served;
 * - consistency proofs between two sizes, checked against both roots the same way;
 * - search by artifact digest or signer subject: from the state store's entry index, which holds
 *   the entries **this service** wrote (Rekor v2 has no search API). Entries others wrote are not
 *   found by search; they are by index.
 * What it cannot answer: entries by UUID (Rekor v2 has none) and checkpoints of older sizes it
 * did not keep; those reject with {@link LogCannotAnswerError}.
 */
import { InvalidArgumentError, NotFoundError, UnavailableError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import type { EntryIndex } from "../../state/state-store.js";
import { merkleLeafHash, verifyConsistencyProof, verifyInclusionProof } from "../audit/merkle-verify.js";
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
import { TransientUpstreamError } from "./retrying-call.js";
import { TileProofBuilder } from "./tiles/tile-proofs.js";
import { entryBundlePath, hashTilePath, MalformedTileError, parseEntryBundle, parseHashTile, TILE_HEIGHT, TILE_WIDTH, tileWidth } from "./tiles/tile-paths.js";
import { logIdForOrigin, type UpstreamCheckpoints } from "./upstream-checkpoints.js";
import { snippet, type UpstreamHttp } from "./upstream-http.js";

/** Default and largest page of a search. */
const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;
/** Full tiles kept in memory (they never change): 1024 × 8 KiB at most. */
const MAX_CACHED_TILES = 1024;

const V2_CAPABILITIES: LogCapabilities = Object.freeze({
  append: false,
  readByIndex: true,
  readByUuid: false,
  search: true,
  inclusionProof: true,
  consistencyProof: true,
  checkpointHistory: false,
  watch: true,
});

export interface RekorV2LogOptions {
  /** Appends an entry the service did not sign (an inner signature); without it, `append` is refused. */
  readonly append?: (request: LogAppendRequest) => Promise<LogEntry>;
  /** The log's read URL (tiles and checkpoint), with its own deadline, retries and breaker. */
  readonly read: UpstreamHttp;
  readonly checkpoints: UpstreamCheckpoints;
  /** The service's own entries (digest / signer → index): what search answers from. */
  readonly entryIndex: EntryIndex;
  readonly trustedRoot: () => TrustedRootDocument;
  readonly log: Logger;
  /** Told when the log served data that does not match its signed checkpoint. */
  readonly onTamper?: (what: string) => void;
}

export class RekorV2Log implements TransparencyLog {
  readonly capabilities: LogCapabilities;
  readonly #o: RekorV2LogOptions;
  readonly #tiles = new Map<string, Buffer>();

  constructor(options: RekorV2LogOptions) {
    this.#o = options;
    this.capabilities = Object.freeze({ ...V2_CAPABILITIES, append: options.append !== undefined });
  }

  insteadOf(capability: LogCapability): string {
    switch (capability) {
      case "readByUuid":
        return "look the entry up by its log index, or by artifact digest or signer for the service's own signatures";
      case "append":
        return "Sign appends through the signing pipeline";
      case "checkpointHistory":
        return "only the latest checkpoint is kept; ask for a consistency proof from an older size instead";
      default:
        return "";
    }
  }

  /** GETs a tile; a full tile is cached, since it can never change. `undefined` on 404. */
  async #get(pathname: string, cache: boolean): Promise<Buffer | undefined> {
    const hit = this.#tiles.get(pathname);
    if (hit) return hit;
    const body = await this.#o.read.call(`/${pathname}`, {}, (res) => {
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new TransientUpstreamError(`GET ${pathname}: HTTP ${res.status}${snippet(res.body)}`);
      return res.body;
    });
    if (body && cache) {
      const oldest = this.#tiles.keys().next();
      if (this.#tiles.size >= MAX_CACHED_TILES && !oldest.done) this.#tiles.delete(oldest.value);
      this.#tiles.set(pathname, body);
    }
    return body;
  }

  /** A tile of `width` items; a partial tile that is gone (the tile filled up) is read from the full one. */
  async #tile(fullPath: string, partialPath: string, width: number): Promise<Buffer> {
    if (width === TILE_WIDTH) {
      const full = await this.#get(fullPath, true);
      if (!full) throw new UnavailableError("rekor", `the log does not serve ${fullPath}, which its checkpoint covers`);
      return full;
    }
    const partial = (await this.#get(partialPath, false)) ?? (await this.#get(fullPath, true));
    if (!partial) throw new UnavailableError("rekor", `the log does not serve ${partialPath}, which its checkpoint covers`);
    return partial;
  }

  #tampered(what: string): UnavailableError {
    this.#o.log.error({ component: "rekor", what }, "the log served data that does not match its signed checkpoint");
    this.#o.onTamper?.(what);
    return new UnavailableError("rekor", `the log served data that does not match its signed checkpoint: ${what}`, { retryAfterMs: 30_000 });
  }

  /** Proof builder over the tiles of the tree of `treeSize` leaves. */
  #builder(treeSize: number): TileProofBuilder {
    return new TileProofBuilder(async (level, index) => {
      const tl = level / TILE_HEIGHT;
      const ti = Math.floor(index / TILE_WIDTH);
      const width = tileWidth(tl, ti, treeSize);
      if (width === 0) throw new RangeError(`node ${level}/${index} is outside the tree of ${treeSize}`);
      const bytes = await this.#tile(hashTilePath(tl, ti, TILE_WIDTH), hashTilePath(tl, ti, width), width);
      let hashes: Buffer[];
      try {
        // A full tile stands in for a partial one that is gone: only its first `width` hashes count.
        hashes = parseHashTile(bytes.subarray(0, width * 32), width);
      } catch (err) {
        throw this.#tampered(err instanceof MalformedTileError ? err.message : `tile ${tl}/${ti} is malformed`);
      }
      const hash = hashes[index % TILE_WIDTH];
      if (!hash) throw this.#tampered(`tile ${tl}/${ti} holds no hash for node ${level}/${index}`);
      return hash;
    });
  }

  async #entryBody(logIndex: number, treeSize: number): Promise<Buffer> {
    const bundle = Math.floor(logIndex / TILE_WIDTH);
    const width = Math.min(TILE_WIDTH, treeSize - bundle * TILE_WIDTH);
    const bytes = await this.#tile(entryBundlePath(bundle, TILE_WIDTH), entryBundlePath(bundle, width), width);
    try {
      // A full bundle standing in for a partial one holds more entries than `width`.
      const entries = parseEntryBundle(bytes, bytes.length === 0 ? 0 : countEntries(bytes));
      if (entries.length < width) throw new MalformedTileError(`entry bundle ${bundle} holds ${entries.length} entries, fewer than ${width}`);
      const entry = entries[logIndex % TILE_WIDTH];
      if (!entry) throw new MalformedTileError(`entry bundle ${bundle} holds no entry ${logIndex}`);
      return entry;
    } catch (err) {
      throw this.#tampered(err instanceof MalformedTileError ? err.message : `entry bundle ${bundle} is malformed`);
    }
  }

  async #proven(logIndex: number, cp: PublishedCheckpoint, treeSize: number, rootHash: Buffer): Promise<{ body: Buffer; hashes: Buffer[] }> {
    const builder = this.#builder(cp.treeSize);
    const [body, hashes, leafStored] = await Promise.all([
      this.#entryBody(logIndex, cp.treeSize),
      builder.inclusionPath(logIndex, treeSize),
      builder.node(0, logIndex),
    ]);
    const leaf = merkleLeafHash(body);
    if (!leaf.equals(leafStored)) throw this.#tampered(`entry ${logIndex} does not hash to its leaf in the hash tiles`);
    if (!verifyInclusionProof(leaf, logIndex, treeSize, hashes, rootHash))
      throw this.#tampered(`the inclusion proof of entry ${logIndex} does not lead to the root of size ${treeSize}`);
    return { body, hashes };
  }

  #entry(logIndex: number, body: Buffer, hashes: Buffer[], cp: PublishedCheckpoint & { origin?: string }): LogEntry {
    let kind = "";
    let version = "";
    try {
      const parsed = JSON.parse(body.toString("utf8")) as { kind?: unknown; apiVersion?: unknown };
      if (typeof parsed.kind === "string" && typeof parsed.apiVersion === "string") {
        kind = parsed.kind;
        version = parsed.apiVersion;
      }
    } catch {
      // proven to be in the log, yet not a Rekor body: served with an empty kind
    }
    const origin = cp.origin ?? originOf(cp.envelope);
    return {
      uuid: merkleLeafHash(body).toString("hex"),
      logIndex,
      logId: { keyId: logIdForOrigin(this.#o.trustedRoot(), origin) ?? Buffer.alloc(0) },
      kindVersion: { kind, version },
      integratedTime: 0,
      inclusionPromise: undefined,
      inclusionProof: { logIndex, rootHash: cp.rootHash, treeSize: cp.treeSize, hashes, checkpoint: { envelope: cp.envelope } },
      canonicalizedBody: body,
    };
  }

  append(request: LogAppendRequest): Promise<LogEntry> {
    if (!this.#o.append)
      return Promise.reject(new LogCannotAnswerError("append", "this log is written through the signing pipeline only", this.insteadOf("append")));
    return this.#o.append(request);
  }

  async entryByIndex(logIndex: number): Promise<LogEntry> {
    if (!Number.isSafeInteger(logIndex) || logIndex < 0) throw new InvalidArgumentError("logIndex", `${logIndex} is out of range`);
    const cp = await this.#o.checkpoints.latest();
    if (logIndex >= cp.treeSize) throw new NotFoundError(`no entry ${logIndex}: the log's latest checkpoint covers ${cp.treeSize} entries`);
    const { body, hashes } = await this.#proven(logIndex, cp, cp.treeSize, cp.rootHash);
    return this.#entry(logIndex, body, hashes, cp);
  }

  entryByUuid(_uuid: string): Promise<LogEntry> {
    return Promise.reject(new LogCannotAnswerError("readByUuid", "Rekor v2 entries have no UUID", this.insteadOf("readByUuid")));
  }

  async search(query: EntryQuery, page: PageOptions = {}): Promise<EntryPage> {
    const pageSize = page.pageSize ?? DEFAULT_PAGE;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE)
      throw new InvalidArgumentError("pageSize", `${pageSize} is out of range; expected 1 to ${MAX_PAGE}`);
    const cp = await this.#o.checkpoints.latest();
    const found = await this.#o.entryIndex.find("artifactDigest" in query ? { artifactDigest: query.artifactDigest } : { signerSubject: query.signerSubject }, {
      pageSize,
      ...(page.afterIndex === undefined ? {} : { afterIndex: page.afterIndex }),
    });
    // An entry the service indexed is in the log before its signature was returned, but the
    // checkpoint read here may be older than the one the entry came with: skip, do not fail.
    const entries = await Promise.all(
      found.logIndexes
        .filter((i) => i < cp.treeSize)
        .map(async (i) => {
          const { body, hashes } = await this.#proven(i, cp, cp.treeSize, cp.rootHash);
          return this.#entry(i, body, hashes, cp);
        }),
    );
    return { entries, nextAfterIndex: found.nextAfterIndex };
  }

  async inclusionProof(logIndex: number, treeSize?: number): Promise<TreeInclusionProof> {
    const cp = await this.#o.checkpoints.latest();
    const size = treeSize ?? cp.treeSize;
    if (size > cp.treeSize) throw new InvalidArgumentError("treeSize", `${size} is beyond the log's latest checkpoint (${cp.treeSize})`);
    if (!(logIndex >= 0 && logIndex < size)) throw new NotFoundError(`no entry ${logIndex} in the tree of ${size}`);
    const builder = this.#builder(cp.treeSize);
    const root = size === cp.treeSize ? cp.rootHash : await builder.subtree(0, size);
    const { hashes } = await this.#proven(logIndex, cp, size, root);
    if (size !== cp.treeSize) {
      // The older root is computed from tiles: prove it is a prefix of the signed tree.
      const proof = await builder.consistencyProof(size, cp.treeSize);
      if (!verifyConsistencyProof(size, cp.treeSize, root, cp.rootHash, proof))
        throw this.#tampered(`the tree of size ${size} computed from the tiles is not a prefix of the signed tree`);
    }
    return { logIndex, rootHash: root, treeSize: size, hashes, ...(size === cp.treeSize ? { checkpoint: { envelope: cp.envelope } } : {}) };
  }

  async consistencyProof(firstSize: number, lastSize?: number): Promise<ConsistencyProof> {
    const cp = await this.#o.checkpoints.latest();
    const last = lastSize ?? cp.treeSize;
    if (!(Number.isSafeInteger(firstSize) && firstSize >= 1)) throw new InvalidArgumentError("firstSize", "must be at least 1");
    if (firstSize > last) throw new InvalidArgumentError("firstSize", `${firstSize} is larger than lastSize ${last}`);
    if (last > cp.treeSize) throw new InvalidArgumentError("lastSize", `${last} is beyond the log's latest checkpoint (${cp.treeSize})`);
    return this.upstreamConsistency(firstSize, last, cp);
  }

  /** The consistency proof from `first` to `last` as the tiles of the tree of `last` leaves give it, unchecked. */
  tileConsistencyProof(first: number, last: number): Promise<Buffer[]> {
    return this.#builder(last).consistencyProof(first, last);
  }

  /** A consistency proof from the tiles of the tree `cp` signs, each root checked. */
  async upstreamConsistency(firstSize: number, lastSize: number, cp: PublishedCheckpoint): Promise<ConsistencyProof> {
    const builder = this.#builder(cp.treeSize);
    const [firstRootHash, lastRootHash, hashes] = await Promise.all([
      builder.subtree(0, firstSize),
      lastSize === cp.treeSize ? Promise.resolve(cp.rootHash) : builder.subtree(0, lastSize),
      builder.consistencyProof(firstSize, lastSize),
    ]);
    if (!verifyConsistencyProof(firstSize, lastSize, firstRootHash, lastRootHash, hashes))
      throw this.#tampered(`the consistency proof from ${firstSize} to ${lastSize} does not verify`);
    if (lastSize !== cp.treeSize) {
      const toSigned = await builder.consistencyProof(lastSize, cp.treeSize);
      if (!verifyConsistencyProof(lastSize, cp.treeSize, lastRootHash, cp.rootHash, toSigned))
        throw this.#tampered(`the tree of size ${lastSize} computed from the tiles is not a prefix of the signed tree`);
    }
    return { firstSize, lastSize, firstRootHash, lastRootHash, hashes };
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
    this.#tiles.clear();
    return Promise.resolve();
  }
}

/** Number of length-prefixed entries in a bundle, or -1 if it does not parse (then parsing fails with a reason). */
function countEntries(bytes: Buffer): number {
  let at = 0;
  let n = 0;
  while (at + 2 <= bytes.length) {
    at += 2 + bytes.readUInt16BE(at);
    n++;
  }
  return at === bytes.length ? n : -1;
}

function originOf(note: string): string {
  return note.slice(0, Math.max(0, note.indexOf("\n")));
}
