/**
 * The signing thread's main-thread side: the ECDSA signatures of a Sign (its artifact or DSSE
 * signature, the timestamp token, the log's signed entry timestamps and checkpoints) are made on
 * one worker thread instead of the event loop (issue 20: they were an eighth of the main thread's
 * time per Sign, which is the service's bottleneck, while the second core had time to spare).
 *
 * Requests made in one turn of the event loop travel as one message (`setImmediate` flushes the
 * queue), so the cost on the main thread is a copy of the bytes to sign and one message each way
 * per batch, not per signature. Keys are installed as KeyObjects (Node clones them into the
 * thread); they are never serialized otherwise and never logged.
 *
 * If the thread stops (it should not: it only signs), every signature still owed and every later
 * one is made on the main thread with the same key, as before the thread existed: the service
 * keeps signing, only slower, and `onThreadExit` is told once.
 */
import { p256 } from "@noble/curves/nist.js";
import { sign as nodeSign, type KeyObject } from "node:crypto";
import { existsSync } from "node:fs";
import { inspect } from "node:util";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { KeySigner } from "../keys/key-signer.js";
import type { SigningBatch, SigningOp, SigningReply } from "./signing-thread-protocol.js";

/**
 * Heap limits of the thread, MB: it holds a few keys and one batch at a time (issue 20 bounds the
 * server's RSS, so the thread gets no more than it needs).
 */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2, codeRangeSizeMb: 8, stackSizeMb: 1 };

/** The worker script: the compiled file beside this one, or the TypeScript source under a TS runner. */
function threadScript(): URL {
  const compiled = new URL("./signing-thread-worker.js", import.meta.url);
  return existsSync(fileURLToPath(compiled)) ? compiled : new URL("./signing-thread-worker.ts", import.meta.url);
}

/** A private key whose holder can hand it to a signing thread (FileSigner does, see `keys/`). */
export interface ShareableKey {
  shareKey(use: (key: KeyObject) => void): void;
}

interface Owed {
  readonly slot: number;
  readonly data: Uint8Array;
  readonly prehashed: boolean;
  readonly resolve: (signature: Buffer) => void;
  readonly reject: (err: Error) => void;
}

export interface SigningThreadOptions {
  /** Told once if the thread stops; signing goes on in the main thread. */
  onThreadExit?: (reason: string) => void;
}

export class SigningThread {
  #worker: Worker | undefined;
  readonly #keys = new Map<number, KeyObject>();
  readonly #owed = new Map<number, Owed>();
  #queue: SigningOp[] = [];
  #chunks: Uint8Array[] = [];
  #queuedBytes = 0;
  #flushScheduled = false;
  #nextSlot = 1;
  #nextId = 1;
  readonly #onThreadExit: ((reason: string) => void) | undefined;

  private constructor(worker: Worker | undefined, options: SigningThreadOptions) {
    this.#onThreadExit = options.onThreadExit;
    this.#worker = worker;
    if (worker === undefined) return;
    worker.unref();
    worker.on("message", (reply: SigningReply) => this.#settle(reply));
    worker.on("error", () => undefined); // reported through "exit"
    worker.on("exit", (code) => this.#stopped(`the signing thread stopped (exit code ${code})`));
  }

  /** Starts the thread. `inProcess` signs on the calling thread instead (no worker), as a fallback does. */
  static start(options: SigningThreadOptions & { inProcess?: boolean } = {}): SigningThread {
    if (options.inProcess === true) return new SigningThread(undefined, options);
    return new SigningThread(new Worker(threadScript(), { resourceLimits: RESOURCE_LIMITS, stdout: false, stderr: false }), options);
  }

  /** Whether signatures are made on the thread (false once it stopped or after close). */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** Installs `key` in the thread; the slot it returns names it in `sign` and `drop`. */
  install(key: KeyObject): number {
    const slot = this.#nextSlot++;
    this.#keys.set(slot, key);
    if (this.#worker) this.#enqueue({ op: "install", slot, key });
    return slot;
  }

  /** Forgets the key in `slot` once every signature asked of it so far is made. */
  drop(slot: number): void {
    this.#keys.delete(slot);
    if (this.#worker) this.#enqueue({ op: "drop", slot });
  }

  /** ECDSA P-256 over SHA-256 of `data` with the key in `slot`, DER. */
  sign(slot: number, data: Uint8Array): Promise<Buffer> {
    return this.#sign(slot, data, false);
  }

  /** ECDSA P-256 over `digest` as a SHA-256 digest (not hashed again), hedged, DER. */
  signPrehashed(slot: number, digest: Uint8Array): Promise<Buffer> {
    return this.#sign(slot, digest, true);
  }

  /** A KeySigner over `base`'s key that signs on this thread (name and public key are `base`'s). */
  keySigner(base: KeySigner & ShareableKey): KeySigner {
    let slot = 0;
    base.shareKey((key) => (slot = this.install(key)));
    return new ThreadKeySigner(base, (data) => this.sign(slot, data));
  }

  /** Stops the thread after the signatures owed; later ones are made in the calling thread. */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (worker === undefined) return;
    this.#flush();
    while (this.#owed.size > 0 && this.#worker === worker) await new Promise((r) => setImmediate(r));
    this.#worker = undefined;
    await worker.terminate();
  }

  #sign(slot: number, data: Uint8Array, prehashed: boolean): Promise<Buffer> {
    if (this.#worker === undefined) return Promise.resolve().then(() => this.#signHere(slot, data, prehashed));
    const id = this.#nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      this.#owed.set(id, { slot, data, prehashed, resolve, reject });
      this.#enqueue({ op: "sign", id, slot, start: this.#queuedBytes, end: this.#queuedBytes + data.length, prehashed });
      this.#chunks.push(data);
      this.#queuedBytes += data.length;
    });
  }

  #signHere(slot: number, data: Uint8Array, prehashed: boolean): Buffer {
    const key = this.#keys.get(slot);
    if (key === undefined) throw new Error(`signing thread: no key in slot ${slot}`);
    if (!prehashed) return nodeSign("sha256", data, key);
    const jwk = key.export({ format: "jwk" });
    if (typeof jwk.d !== "string") throw new TypeError("not an EC private key");
    return Buffer.from(p256.sign(data, Buffer.from(jwk.d, "base64url"), { prehash: false, format: "der", extraEntropy: true }));
  }

  #enqueue(op: SigningOp): void {
    this.#queue.push(op);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    const worker = this.#worker;
    if (this.#queue.length === 0 || worker === undefined) return;
    const data = new Uint8Array(this.#queuedBytes);
    let at = 0;
    for (const c of this.#chunks) {
      data.set(c, at);
      at += c.length;
    }
    const batch: SigningBatch = { ops: this.#queue, data };
    this.#queue = [];
    this.#chunks = [];
    this.#queuedBytes = 0;
    if (this.#owed.size > 0) worker.ref();
    worker.postMessage(batch, [data.buffer]);
  }

  #settle(reply: SigningReply): void {
    let start = 0;
    reply.ids.forEach((id, i) => {
      const end = reply.ends[i] ?? start;
      const owed = this.#owed.get(id);
      this.#owed.delete(id);
      // A copy, so a signature kept does not keep the whole batch's buffer.
      owed?.resolve(Buffer.from(reply.signatures.subarray(start, end)));
      start = end;
    });
    for (const f of reply.failures) {
      const owed = this.#owed.get(f.id);
      this.#owed.delete(f.id);
      owed?.reject(new Error(`signing thread: ${f.message}`));
    }
    if (this.#owed.size === 0) this.#worker?.unref();
  }

  /** The thread is gone: what it owed, and everything later, is signed here. */
  #stopped(reason: string): void {
    if (this.#worker === undefined) return;
    this.#worker = undefined;
    this.#queue = [];
    this.#chunks = [];
    this.#queuedBytes = 0;
    const owed = [...this.#owed.values()];
    this.#owed.clear();
    for (const o of owed) {
      try {
        o.resolve(this.#signHere(o.slot, o.data, o.prehashed));
      } catch (err) {
        o.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    this.#onThreadExit?.(reason);
  }
}

/** A KeySigner whose signatures come from the signing thread; only public facts are printable. */
class ThreadKeySigner implements KeySigner {
  readonly name: string;
  readonly publicKeySpki: Buffer;
  readonly publicKeyPem: string;
  readonly #sign: (data: Uint8Array) => Promise<Buffer>;

  constructor(base: KeySigner, sign: (data: Uint8Array) => Promise<Buffer>) {
    this.name = base.name;
    this.publicKeySpki = base.publicKeySpki;
    this.publicKeyPem = base.publicKeyPem;
    this.#sign = sign;
  }

  sign(data: Uint8Array): Promise<Buffer> {
    return this.#sign(data);
  }

  toString(): string {
    return `ThreadKeySigner(${this.name})`;
  }

  toJSON(): { name: string; publicKeyPem: string } {
    return { name: this.name, publicKeyPem: this.publicKeyPem };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
