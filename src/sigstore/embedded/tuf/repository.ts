/**
 * The embedded TUF repository: distributes `trusted_root.json` and `signing_config.v0.2.json` as
 * TUF targets, so `tuf-js`, `@sigstore/tuf` and `cosign initialize --mirror … --root …` can
 * bootstrap from one `root.json` and follow every later key rotation.
 *
 * What it promises:
 * - Consistent snapshots: `N.root.json`, `N.targets.json`, `N.snapshot.json`, `timestamp.json`
 *   and `targets/<sha256>.<name>`; unversioned `root.json`, `targets.json`, `snapshot.json` are
 *   served too (the current versions).
 * - Nothing expired is ever served. Every role is re-signed once less than `renewFraction` of its
 *   lifetime is left: on a timer (unref'd, stopped by `close()`) and, should the timer be late (a
 *   suspended process, a clock jump), before answering a request. If re-signing fails and the
 *   current metadata has expired, requests get `UnavailableError` rather than expired metadata.
 *   Historical `N.root.json` files are the one exception: a client walking from an old root needs
 *   each of them, and the TUF client workflow ignores the expiry of all but the newest.
 * - A new targets version whenever the published files change (a CA or TSA rotation changes the
 *   trusted root), then a new snapshot and timestamp.
 * - Root rotation: when the current root key or any role key is not the one in the newest root,
 *   root N+1 is written, signed by the old root key(s) and the new one, as the TUF specification
 *   requires for clients to accept it.
 *
 * Durability is described in `metadata-files.ts`. One process writes at a time (`writer-lock.ts`);
 * within the process every write runs through one queue.
 */
import { createHash } from "node:crypto";
import { MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp, type Metadata } from "@tufjs/models";
import { TrustError, UnavailableError } from "../../../errors.js";
import { parseMetadata, parseTufPath, serializeMetadata, TufFiles } from "./metadata-files.js";
import { resolveTufPolicy, type TufExpiryPolicy } from "./policy.js";
import type { TufRoleKeys, TufSigner } from "./role-keys.js";
import { signMetadata } from "./sign.js";
import { acquireWriterLock, type WriterLock } from "./writer-lock.js";

/** TUF specification version written into every role. */
export const TUF_SPEC_VERSION = "1.0.31";

/** Component name in `UnavailableError`s. */
const COMPONENT = "tuf";

/** Retry hint when metadata cannot be renewed, in ms. */
const RETRY_AFTER_MS = 5000;

/** Options of {@link TufRepository.open}. */
export interface TufRepositoryOptions {
  /** Where the repository lives: `<dataDir>/tuf`. */
  directory: string;
  keys: TufRoleKeys;
  /** The target files to publish, by target name. */
  targets: ReadonlyMap<string, Uint8Array>;
  /** Lifetimes and renewal rule; defaults in `policy.ts`. */
  policy?: Partial<TufExpiryPolicy>;
  /** Clock; default the system clock. */
  now?: () => Date;
  /** Told about a failed renewal (the timer's or a request's); default: ignored. */
  onRenewalError?: (err: unknown) => void;
}

interface Current<T extends Root | Targets | Snapshot | Timestamp> {
  readonly metadata: Metadata<T>;
  readonly bytes: Buffer;
}

type Role4 = "root" | "targets" | "snapshot" | "timestamp";

const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** TUF's `expires` form: whole seconds, `Z`. */
function expiresAt(now: Date, lifetimeMs: number): string {
  return new Date(Math.floor((now.getTime() + lifetimeMs) / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
}

export class TufRepository {
  readonly policy: TufExpiryPolicy;
  readonly #files: TufFiles;
  readonly #keys: TufRoleKeys;
  readonly #now: () => Date;
  readonly #onError: (err: unknown) => void;
  readonly #content: ReadonlyMap<string, Buffer>;
  #lock: WriterLock;
  #root!: Current<Root>;
  #targets: Current<Targets> | undefined;
  #snapshot: Current<Snapshot> | undefined;
  #timestamp: Current<Timestamp> | undefined;
  /** Highest version of each role written so far (on disk, even orphaned). */
  #highest: Record<Role4, number> = { root: 0, targets: 0, snapshot: 0, timestamp: 0 };
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Parsed expiry of older versioned files served from disk. */
  readonly #expiryOf = new Map<string, number>();

  private constructor(options: TufRepositoryOptions, policy: TufExpiryPolicy, files: TufFiles, lock: WriterLock) {
    this.policy = policy;
    this.#files = files;
    this.#keys = options.keys;
    this.#now = options.now ?? (() => new Date());
    this.#onError = options.onRenewalError ?? (() => undefined);
    this.#content = new Map([...options.targets].map(([name, bytes]) => [name, Buffer.from(bytes)]));
    this.#lock = lock;
  }

  /**
   * Opens the repository in `options.directory`, creating it on first start, then publishes
   * whatever is due: a first root, a root rotation, changed targets, renewals. Throws
   * `FAILED_PRECONDITION` if another live process holds the repository or a file is damaged.
   */
  static async open(options: TufRepositoryOptions): Promise<TufRepository> {
    const policy = resolveTufPolicy(options.policy);
    for (const name of options.targets.keys()) {
      if (parseTufPath(`targets/${"0".repeat(64)}.${name}`) === undefined) throw new TypeError(`invalid TUF target name: ${name}`);
    }
    if (options.keys.root.length === 0) throw new TypeError("TUF: no root key");
    const files = new TufFiles(options.directory);
    await files.prepare();
    const lock = await acquireWriterLock(options.directory);
    const repository = new TufRepository(options, policy, files, lock);
    try {
      await repository.#load();
      await repository.#exclusive(() => repository.#publishDue());
      return repository;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** Version of the newest root. */
  get rootVersion(): number {
    return this.#root.metadata.signed.version;
  }

  /** The newest `root.json` as served: what clients bootstrap from (`keys --tuf-root`). */
  rootJson(): Buffer {
    return this.#root.bytes;
  }

  /** Versions currently published, for tests and status output. */
  versions(): Record<Role4, number> {
    return {
      root: this.rootVersion,
      targets: this.#targets?.metadata.signed.version ?? 0,
      snapshot: this.#snapshot?.metadata.signed.version ?? 0,
      timestamp: this.#timestamp?.metadata.signed.version ?? 0,
    };
  }

  /**
   * The bytes of repository file `relative` (a path under `/tuf/`), or undefined when there is no
   * such file. Renews due metadata first; throws `UnavailableError` instead of serving expired
   * metadata.
   */
  async read(relative: string): Promise<Buffer | undefined> {
    const path = parseTufPath(relative);
    if (path === undefined) return undefined;
    await this.#freshen();
    if (path.kind === "target") {
      const bytes = await this.#files.read(relative);
      return bytes !== undefined && sha256Hex(bytes) === path.sha256 ? bytes : undefined;
    }
    const current = this.#current(path.role);
    if (current === undefined) return undefined;
    if (path.version === undefined || path.version === current.metadata.signed.version) return current.bytes;
    if (path.version > current.metadata.signed.version) return undefined;
    const bytes = await this.#files.read(relative);
    if (bytes === undefined || path.role === "root") return bytes;
    // An older snapshot or targets file: served while it is still valid (a client that fetched
    // the previous timestamp a moment ago may ask for it), never once expired.
    let expires = this.#expiryOf.get(relative);
    if (expires === undefined) {
      expires = Date.parse(parseMetadata(path.role, bytes, relative).signed.expires);
      this.#expiryOf.set(relative, expires);
    }
    return this.#now().getTime() < expires ? bytes : undefined;
  }

  /** Re-signs every role that is due now; returns the roles re-signed. */
  renewDue(): Promise<Role4[]> {
    return this.#exclusive(() => this.#publishDue());
  }

  /** Starts the renewal timer (unref'd: it never keeps the process alive). */
  start(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setInterval(() => {
      this.renewDue().catch((err: unknown) => this.#onError(err));
    }, this.policy.checkIntervalMs);
    this.#timer.unref();
  }

  /** Stops the timer, waits for a write in progress and releases the writer lock. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#queue.catch(() => undefined);
    await this.#lock.release();
  }

  #current(role: Role4): Current<Root | Targets | Snapshot | Timestamp> | undefined {
    return role === "root" ? this.#root : role === "targets" ? this.#targets : role === "snapshot" ? this.#snapshot : this.#timestamp;
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#closed) throw new UnavailableError(COMPONENT, "the TUF repository is closed");
      return work();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Renews before serving when the timer was late; refuses rather than serve expired metadata. */
  async #freshen(): Promise<void> {
    if (!this.#anyDue()) return;
    try {
      await this.renewDue();
    } catch (err) {
      this.#onError(err);
      if (this.#anyExpired()) {
        throw new UnavailableError(COMPONENT, "TUF metadata has expired and could not be renewed", { cause: err, retryAfterMs: RETRY_AFTER_MS });
      }
    }
  }

  #lifetime(role: Role4): number {
    const p = this.policy;
    return role === "root" ? p.rootExpiryMs : role === "targets" ? p.targetsExpiryMs : role === "snapshot" ? p.snapshotExpiryMs : p.timestampExpiryMs;
  }

  #isDue(role: Role4): boolean {
    const current = this.#current(role);
    if (current === undefined) return true;
    const left = Date.parse(current.metadata.signed.expires) - this.#now().getTime();
    return left < this.#lifetime(role) * this.policy.renewFraction;
  }

  #anyDue(): boolean {
    return (["root", "targets", "snapshot", "timestamp"] as const).some((r) => this.#isDue(r));
  }

  #anyExpired(): boolean {
    const now = this.#now();
    return (["root", "targets", "snapshot", "timestamp"] as const).some((r) => this.#current(r)?.metadata.signed.isExpired(now) ?? true);
  }

  /** Reads the newest root (checking the chain of roots) and the published timestamp state. */
  async #load(): Promise<void> {
    const versions = await this.#files.versions();
    let root: Current<Root> | undefined;
    for (const [i, version] of versions.root.entries()) {
      const name = `${version}.root.json`;
      if (version !== i + 1) throw new TrustError("FAILED_PRECONDITION", `TUF: ${i + 1}.root.json is missing before ${name}; restore it from backup`);
      const bytes = await this.#files.read(name);
      if (bytes === undefined) throw new TrustError("FAILED_PRECONDITION", `TUF: ${name} was listed but cannot be read`);
      const metadata = parseMetadata("root", bytes, name);
      try {
        if (metadata.signed.version !== version) throw new Error("version differs from the file name");
        root?.metadata.verifyDelegate("root", metadata);
        metadata.verifyDelegate("root", metadata);
      } catch (err) {
        throw new TrustError("FAILED_PRECONDITION", `TUF: ${name} is not a valid successor of the previous root; restore it from backup`, { cause: err });
      }
      root = { metadata, bytes };
    }
    this.#highest = {
      root: versions.root.at(-1) ?? 0,
      targets: versions.targets.at(-1) ?? 0,
      snapshot: versions.snapshot.at(-1) ?? 0,
      timestamp: 0,
    };
    this.#root = root ?? (await this.#writeRoot());

    const timestampBytes = await this.#files.read("timestamp.json");
    if (timestampBytes === undefined) return;
    const timestamp = parseMetadata("timestamp", timestampBytes, "timestamp.json");
    this.#highest.timestamp = timestamp.signed.version;
    // Published state that no longer verifies (role keys changed) is simply republished.
    try {
      const snapshotMeta = timestamp.signed.snapshotMeta;
      const snapshotName = `${snapshotMeta.version}.snapshot.json`;
      const snapshotBytes = await this.#files.read(snapshotName);
      if (snapshotBytes === undefined) return;
      snapshotMeta.verify(snapshotBytes);
      const snapshot = parseMetadata("snapshot", snapshotBytes, snapshotName);
      const targetsMeta = snapshot.signed.meta["targets.json"];
      if (targetsMeta === undefined) return;
      const targetsName = `${targetsMeta.version}.targets.json`;
      const targetsBytes = await this.#files.read(targetsName);
      if (targetsBytes === undefined) return;
      targetsMeta.verify(targetsBytes);
      this.#targets = { metadata: parseMetadata("targets", targetsBytes, targetsName), bytes: targetsBytes };
      this.#snapshot = { metadata: snapshot, bytes: snapshotBytes };
      this.#timestamp = { metadata: timestamp, bytes: timestampBytes };
    } catch (err) {
      if (err instanceof TrustError) throw err;
      this.#targets = this.#snapshot = this.#timestamp = undefined;
    }
  }

  /** Publishes whatever is due, in dependency order. Runs inside the queue. */
  async #publishDue(): Promise<Role4[]> {
    const renewed: Role4[] = [];
    if (!this.#rootHasCurrentKeys() || this.#isDue("root")) {
      this.#root = await this.#writeRoot();
      renewed.push("root");
    }
    let changed = false;
    // A missing role is always due; the `=== undefined` tests only tell the compiler so.
    let targets = this.#targets;
    if (targets === undefined || this.#isDue("targets") || !this.#verifies("targets") || !this.#targetsMatchContent()) {
      targets = this.#targets = await this.#writeTargets();
      renewed.push("targets");
      changed = true;
    }
    let snapshot = this.#snapshot;
    if (changed || snapshot === undefined || this.#isDue("snapshot") || !this.#verifies("snapshot")) {
      snapshot = this.#snapshot = await this.#writeSnapshot(targets);
      renewed.push("snapshot");
      changed = true;
    }
    if (changed || this.#isDue("timestamp") || !this.#verifies("timestamp")) {
      this.#timestamp = await this.#writeTimestamp(snapshot);
      renewed.push("timestamp");
    }
    return renewed;
  }

  /** The root keys and role keys the newest root names are exactly the ones this store holds. */
  #rootHasCurrentKeys(): boolean {
    const signed = this.#root.metadata.signed;
    const want: Record<Role4, string> = {
      root: this.#currentRootKey().key.keyID,
      targets: this.#keys.targets.key.keyID,
      snapshot: this.#keys.snapshot.key.keyID,
      timestamp: this.#keys.timestamp.key.keyID,
    };
    return (
      (Object.keys(want) as Role4[]).every((role) => {
        const r = signed.roles[role];
        return r !== undefined && r.threshold === 1 && r.keyIDs.length === 1 && r.keyIDs[0] === want[role];
      }) && Object.keys(signed.keys).length === new Set(Object.values(want)).size
    );
  }

  #verifies(role: "targets" | "snapshot" | "timestamp"): boolean {
    const current = this.#current(role);
    if (current === undefined) return false;
    try {
      this.#root.metadata.verifyDelegate(role, current.metadata);
      return true;
    } catch {
      return false;
    }
  }

  #targetsMatchContent(): boolean {
    const published = this.#targets?.metadata.signed.targets ?? {};
    if (Object.keys(published).length !== this.#content.size) return false;
    return [...this.#content].every(([name, bytes]) => {
      const file = published[name];
      return file !== undefined && file.length === bytes.length && file.hashes["sha256"] === sha256Hex(bytes);
    });
  }

  #currentRootKey(): TufSigner {
    const key = this.#keys.root.at(-1);
    if (key === undefined) throw new TrustError("INTERNAL", "TUF: no root key"); // the key set is checked non-empty at start
    return key;
  }

  /**
   * Writes the next root: the current root key and role keys, signed by the current root key and,
   * when it replaces another root key, by the previous root's root key(s) too.
   */
  async #writeRoot(): Promise<Current<Root>> {
    const now = this.#now();
    const current = this.#currentRootKey();
    const roles = { root: current, targets: this.#keys.targets, snapshot: this.#keys.snapshot, timestamp: this.#keys.timestamp };
    const version = this.#highest.root + 1;
    const signed = new Root({
      version,
      specVersion: TUF_SPEC_VERSION,
      expires: expiresAt(now, this.policy.rootExpiryMs),
      consistentSnapshot: true,
    });
    // Without explicit roles, Root starts with every top-level role at threshold 1 and no keys.
    for (const [name, s] of Object.entries(roles)) signed.addKey(s.key, name);
    const signers = [current];
    if (version > 1) {
      const previous = this.#root.metadata.signed.roles["root"]?.keyIDs ?? [];
      const held = this.#keys.root.filter((s) => previous.includes(s.key.keyID));
      if (held.length === 0) {
        throw new TrustError("FAILED_PRECONDITION", `TUF: none of the root keys of ${version - 1}.root.json is in the key store; cannot sign root ${version}`);
      }
      signers.unshift(...held);
    }
    const metadata = await signMetadata(signed, signers);
    const bytes = serializeMetadata(metadata);
    await this.#files.create(`${version}.root.json`, bytes);
    this.#highest.root = version;
    return { metadata, bytes };
  }

  async #writeTargets(): Promise<Current<Targets>> {
    const targets: Record<string, TargetFile> = {};
    for (const [name, bytes] of this.#content) {
      const sha256 = sha256Hex(bytes);
      await this.#files.create(`targets/${sha256}.${name}`, bytes);
      targets[name] = new TargetFile({ length: bytes.length, path: name, hashes: { sha256 } });
    }
    const version = this.#highest.targets + 1;
    const signed = new Targets({ version, specVersion: TUF_SPEC_VERSION, expires: expiresAt(this.#now(), this.policy.targetsExpiryMs), targets });
    const metadata = await signMetadata(signed, [this.#keys.targets]);
    const bytes = serializeMetadata(metadata);
    await this.#files.create(`${version}.targets.json`, bytes);
    this.#highest.targets = version;
    return { metadata, bytes };
  }

  async #writeSnapshot(targets: Current<Targets>): Promise<Current<Snapshot>> {
    const version = this.#highest.snapshot + 1;
    const signed = new Snapshot({
      version,
      specVersion: TUF_SPEC_VERSION,
      expires: expiresAt(this.#now(), this.policy.snapshotExpiryMs),
      meta: {
        "targets.json": new MetaFile({ version: targets.metadata.signed.version, length: targets.bytes.length, hashes: { sha256: sha256Hex(targets.bytes) } }),
      },
    });
    const metadata = await signMetadata(signed, [this.#keys.snapshot]);
    const bytes = serializeMetadata(metadata);
    await this.#files.create(`${version}.snapshot.json`, bytes);
    this.#highest.snapshot = version;
    return { metadata, bytes };
  }

  async #writeTimestamp(snapshot: Current<Snapshot>): Promise<Current<Timestamp>> {
    const version = this.#highest.timestamp + 1;
    const signed = new Timestamp({
      version,
      specVersion: TUF_SPEC_VERSION,
      expires: expiresAt(this.#now(), this.policy.timestampExpiryMs),
      snapshotMeta: new MetaFile({ version: snapshot.metadata.signed.version, length: snapshot.bytes.length, hashes: { sha256: sha256Hex(snapshot.bytes) } }),
    });
    const metadata = await signMetadata(signed, [this.#keys.timestamp]);
    const bytes = serializeMetadata(metadata);
    await this.#files.replaceTimestamp(bytes);
    this.#highest.timestamp = version;
    return { metadata, bytes };
  }
}
