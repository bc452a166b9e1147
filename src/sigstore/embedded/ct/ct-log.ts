/**
 * The embedded certificate-transparency log: an RFC 6962 log of precertificates, on the same
 * Merkle machinery as the transparency log (`../../rekor/merkle.ts`, `../tlog/frontier.ts`), stored
 * in its own SQLite database.
 *
 * Durability rules: `submit` takes one precertificate at a time (submissions queue behind each
 * other), signs its SCT and an STH for the tree that includes it, and writes the entry, the
 * subtrees it completes and that STH in one transaction. Only after COMMIT returns is the SCT
 * handed out and the in-memory tree advanced, so the log's maximum merge delay is zero: every
 * SCT ever returned is covered by a stored STH. A failed commit leaves the log as it was; as a
 * COMMIT that reported failure may still have reached the disk, the next submission first
 * re-reads the tree from the store (that entry's SCT was never handed out, so nobody holds a
 * promise the log could break).
 *
 * Every STH is kept, so a monitor can ask for a consistency proof between any two it has seen.
 */
import { X509Certificate } from "node:crypto";
import { InvalidArgumentError, NotFoundError, TrustError, UnavailableError } from "../../../errors.js";
import type { KeySigner } from "../../keys/key-signer.js";
import { Frontier } from "../tlog/frontier.js";
import { consistencyProof, inclusionProof, leafHash, rootHash, type SubtreeHashes } from "../../rekor/merkle.js";
import { CertificateDerError, extensionsOf, oidDer, replaceExtension, splitCertificate } from "./certificate-der.js";
import { CtStore, type StoredCtEntry, type StoredSth } from "./ct-store.js";
import type { PrecertificateLog } from "./precertificate-log.js";
import {
  OID_CT_POISON,
  digitallySigned,
  merkleTreeLeaf,
  precertChainEntry,
  sctSignatureInput,
  serializeSct,
  sha256,
  treeHeadSignatureInput,
  type PrecertEntry,
} from "./sct.js";

/** Most entries one `get-entries` answer returns (RFC 6962 lets a log cap it). */
export const MAX_ENTRIES_PER_REQUEST = 256;
/** Longest chain accepted with a precertificate, certificates. */
const MAX_CHAIN_LENGTH = 8;
const POISON_OID = oidDer(OID_CT_POISON);
/** The poison extension's value: ASN.1 NULL. */
const ASN1_NULL = Buffer.from([0x05, 0x00]);

/** Options of {@link EmbeddedCtLog.open}. */
export interface EmbeddedCtLogOptions {
  /** Directory of `ct.sqlite` (created 0700). */
  readonly directory: string;
  /** The log key; log ID = SHA-256 of its SPKI DER. */
  readonly signer: KeySigner;
  /** Roots (DER) a precertificate chain may end at: the embedded CA's. */
  readonly acceptedRoots: () => readonly Uint8Array[];
  /** Milliseconds since the epoch; default `Date.now`. SCT and STH times never go backwards. */
  readonly clock?: () => number;
}

/** A signed tree head as RFC 6962 §4.3 `get-sth` answers it (binary fields still bytes). */
export type SignedTreeHead = StoredSth;

/** An inclusion proof as `get-proof-by-hash` answers it. */
export interface CtInclusionProof {
  readonly leafIndex: number;
  readonly auditPath: readonly Buffer[];
}

export class EmbeddedCtLog implements PrecertificateLog {
  readonly logId: Buffer;
  readonly #store: CtStore;
  readonly #signer: KeySigner;
  readonly #acceptedRoots: () => readonly Uint8Array[];
  readonly #clock: () => number;
  #frontier: Frontier;
  #latest: StoredSth;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #needsResync = false;

  private constructor(store: CtStore, options: EmbeddedCtLogOptions, logId: Buffer, frontier: Frontier, latest: StoredSth) {
    this.#store = store;
    this.#signer = options.signer;
    this.#acceptedRoots = options.acceptedRoots;
    this.#clock = options.clock ?? Date.now;
    this.logId = logId;
    this.#frontier = frontier;
    this.#latest = latest;
  }

  /** Opens the log (creating it and its first, empty STH); refuses a directory made for another key. */
  static async open(options: EmbeddedCtLogOptions): Promise<EmbeddedCtLog> {
    const store = CtStore.open(options.directory);
    try {
      const logId = sha256(options.signer.publicKeySpki);
      const stored = store.getMeta("log_id");
      if (stored === undefined) store.setMeta("log_id", logId.toString("hex"));
      else if (stored !== logId.toString("hex")) throw new TrustError("FAILED_PRECONDITION", "ct-log: data directory belongs to a CT log with another key");
      const size = store.size();
      const frontier = Frontier.load(size, (level, index) => store.subtreeHash(level, index));
      let latest = store.latestSth();
      if (latest !== undefined && (latest.treeSize !== size || !latest.rootHash.equals(frontier.root()))) {
        throw new TrustError("INTERNAL", "ct-log: the latest STH does not match the stored tree");
      }
      if (latest === undefined) {
        const timestamp = (options.clock ?? Date.now)();
        latest = { treeSize: 0, timestamp, rootHash: frontier.root(), signature: await signTreeHead(options.signer, timestamp, 0, frontier.root()) };
        store.commitSth(latest);
      }
      return new EmbeddedCtLog(store, options, logId, frontier, latest);
    } catch (err) {
      store.close();
      throw err;
    }
  }

  /** The log key's SPKI DER. */
  get publicKeySpki(): Buffer {
    return this.#signer.publicKeySpki;
  }

  submit(precertificate: Uint8Array, chain: readonly Uint8Array[]): Promise<Buffer> {
    if (this.#closed) return Promise.reject(new UnavailableError("ct-log", "the CT log is closed"));
    let entry: { issuerKeyHash: Buffer; tbsCertificate: Buffer; extraData: Buffer };
    try {
      entry = this.#checkPrecertificate(precertificate, chain);
    } catch (err) {
      return Promise.reject(err);
    }
    const run = this.#queue.then(() => this.#append(entry));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #checkPrecertificate(precertificate: Uint8Array, chain: readonly Uint8Array[]): { issuerKeyHash: Buffer; tbsCertificate: Buffer; extraData: Buffer } {
    const bad = (message: string, cause?: unknown) => new InvalidArgumentError("precertificate", message, cause === undefined ? undefined : { cause });
    if (chain.length === 0 || chain.length > MAX_CHAIN_LENGTH) throw bad(`the chain must have 1 to ${MAX_CHAIN_LENGTH} certificates`);
    let certs: X509Certificate[];
    let tbs: Buffer;
    try {
      certs = [precertificate, ...chain].map((der) => new X509Certificate(Buffer.from(der)));
      tbs = splitCertificate(precertificate).tbs;
      const poison = extensionsOf(tbs).filter((e) => e.oid.equals(POISON_OID));
      const [only] = poison;
      if (poison.length !== 1 || only === undefined || !only.critical || !only.value.equals(ASN1_NULL))
        throw bad("must carry exactly one critical poison extension (RFC 6962 §3.1)");
      tbs = replaceExtension(tbs, POISON_OID, undefined);
    } catch (err) {
      if (err instanceof TrustError) throw err;
      throw bad(err instanceof CertificateDerError ? err.message : "not a DER certificate chain", err);
    }
    for (const [i, cert] of certs.entries()) {
      const issuer = certs[i + 1];
      if (issuer !== undefined && !cert.verify(issuer.publicKey)) throw bad(`certificate ${i} of the chain is not signed by the next one`);
    }
    // The chain has 1 to MAX_CHAIN_LENGTH certificates (checked above), so its last one and the
    // precertificate's issuer (certs[1], the chain's first) are there.
    const last = chain.at(-1);
    const issuerCert = certs[1];
    if (last === undefined || issuerCert === undefined) throw bad(`the chain must have 1 to ${MAX_CHAIN_LENGTH} certificates`);
    const root = Buffer.from(last);
    if (!this.#acceptedRoots().some((r) => Buffer.from(r).equals(root))) throw bad("the chain does not end at a root this log accepts");
    const issuerSpki = issuerCert.publicKey.export({ type: "spki", format: "der" });
    return { issuerKeyHash: sha256(issuerSpki), tbsCertificate: tbs, extraData: precertChainEntry(precertificate, chain) };
  }

  async #append(input: { issuerKeyHash: Buffer; tbsCertificate: Buffer; extraData: Buffer }): Promise<Buffer> {
    if (this.#closed) throw new UnavailableError("ct-log", "the CT log is closed");
    if (this.#needsResync) this.#resync();
    const timestamp = Math.max(this.#clock(), this.#latest.timestamp);
    const entry: PrecertEntry = { timestamp, issuerKeyHash: input.issuerKeyHash, tbsCertificate: input.tbsCertificate };
    const leafInput = merkleTreeLeaf(entry);
    const hash = leafHash(leafInput);
    const growth = this.#frontier.appendLeafHashes([hash]);
    const root = growth.frontier.root();
    let sctSignature: Buffer;
    let sthSignature: Buffer;
    try {
      sctSignature = await this.#signer.sign(sctSignatureInput(entry));
      sthSignature = await signTreeHead(this.#signer, timestamp, growth.frontier.size, root);
    } catch (err) {
      throw new UnavailableError("ct-log", "the CT log key could not sign", { cause: err });
    }
    const stored: StoredCtEntry = { index: this.#frontier.size, leafHash: hash, leafInput, extraData: input.extraData };
    const sth: StoredSth = { treeSize: growth.frontier.size, timestamp, rootHash: root, signature: sthSignature };
    try {
      this.#store.commit(stored, growth.completed, sth);
    } catch (err) {
      this.#needsResync = true;
      throw err;
    }
    // Durable from here on.
    this.#frontier = growth.frontier;
    this.#latest = sth;
    return serializeSct(this.logId, timestamp, sctSignature);
  }

  /** Reloads the tree and the latest STH from the store after a failed commit. */
  #resync(): void {
    const size = this.#store.size();
    const latest = this.#store.latestSth();
    if (latest === undefined || latest.treeSize !== size) throw new TrustError("INTERNAL", "ct-log: stored entries and STHs disagree");
    this.#frontier = Frontier.load(size, (level, index) => this.#store.subtreeHash(level, index));
    this.#latest = latest;
    this.#needsResync = false;
  }

  readonly #subtree: SubtreeHashes = (level, index) => this.#frontier.get(level, index) ?? this.#store.subtreeHash(level, index);

  /** The newest STH. */
  latestSth(): SignedTreeHead {
    return this.#latest;
  }

  /** RFC 6962 §4.4: consistency proof between the trees of `first` and `second` leaves. */
  consistency(first: number, second: number): Buffer[] {
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second) {
      throw new InvalidArgumentError("first", "must be an integer with 0 <= first <= second");
    }
    if (second > this.#latest.treeSize) throw new InvalidArgumentError("second", "exceeds the tree size");
    if (first === 0 || first === second) return [];
    return consistencyProof(first, second, this.#subtree);
  }

  /** RFC 6962 §4.5: the audit path of the leaf with hash `hash` in the tree of `treeSize` leaves. */
  proofByHash(hash: Buffer, treeSize: number): CtInclusionProof {
    if (hash.length !== 32) throw new InvalidArgumentError("hash", "must be a 32-byte leaf hash");
    if (!Number.isSafeInteger(treeSize) || treeSize < 1 || treeSize > this.#latest.treeSize) {
      throw new InvalidArgumentError("tree_size", `must be an integer from 1 to ${this.#latest.treeSize}`);
    }
    const index = this.#store.indexOfLeafHash(hash);
    if (index === undefined || index >= treeSize) throw new NotFoundError("no entry with this leaf hash in a tree of that size");
    return { leafIndex: index, auditPath: inclusionProof(index, treeSize, this.#subtree) };
  }

  /** RFC 6962 §4.6: entries `start..end` (inclusive), at most {@link MAX_ENTRIES_PER_REQUEST}. */
  entries(start: number, end: number): StoredCtEntry[] {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new InvalidArgumentError("start", "must be an integer with 0 <= start <= end");
    }
    if (start >= this.#latest.treeSize) throw new InvalidArgumentError("start", "is beyond the tree size");
    const last = Math.min(end, this.#latest.treeSize - 1, start + MAX_ENTRIES_PER_REQUEST - 1);
    return this.#store.entries(start, last);
  }

  /** Root of the tree of `treeSize` leaves (for STHs a monitor holds). */
  rootAt(treeSize: number): Buffer {
    return rootHash(treeSize, this.#subtree);
  }

  /** Stops accepting submissions, waits for queued ones and closes the database. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    this.#store.close();
  }
}

async function signTreeHead(signer: KeySigner, timestamp: number, treeSize: number, root: Buffer): Promise<Buffer> {
  return digitallySigned(await signer.sign(treeHeadSignatureInput(timestamp, treeSize, root)));
}
