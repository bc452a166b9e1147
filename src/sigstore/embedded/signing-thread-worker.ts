/**
 * The signing thread: holds the private keys the main thread installed and makes the ECDSA
 * signatures a Sign needs (the artifact or DSSE signature, the timestamp token, the log's signed
 * entry timestamps and checkpoints), so that the main event loop only packs and unpacks bytes.
 * See `signing-thread.ts` for why and for what happens when this thread is gone.
 *
 * Self-contained on purpose (only `import type` from this room): Node loads it as its own module.
 */
import { sign as nodeSign, type KeyObject } from "node:crypto";
import { parentPort } from "node:worker_threads";
import type { SigningBatch, SigningReply } from "./signing-thread-protocol.js";

const port = parentPort;
if (port === null) throw new Error("signing-thread-worker.ts runs only as a worker thread");

/** P-256 private scalars of the keys asked for prehashed signatures, derived once per key. */
type PrehashSigner = (digest: Uint8Array) => Uint8Array;

const keys = new Map<number, KeyObject>();
const prehashSigners = new Map<number, PrehashSigner>();
let noble: Promise<typeof import("@noble/curves/nist.js")> | undefined;

async function prehashSigner(slot: number, key: KeyObject): Promise<PrehashSigner> {
  const known = prehashSigners.get(slot);
  if (known) return known;
  const { p256 } = await (noble ??= import("@noble/curves/nist.js"));
  const jwk = key.export({ format: "jwk" });
  if (typeof jwk.d !== "string") throw new TypeError("not an EC private key");
  const scalar = new Uint8Array(Buffer.from(jwk.d, "base64url"));
  // Hedged (RFC 6979 plus fresh randomness), as ServiceIdentity.signPrehashed promises.
  const signer: PrehashSigner = (digest) => p256.sign(digest, scalar, { prehash: false, format: "der", extraEntropy: true });
  prehashSigners.set(slot, signer);
  return signer;
}

async function run(batch: SigningBatch): Promise<SigningReply> {
  const ids: number[] = [];
  const parts: Uint8Array[] = [];
  const failures: { id: number; message: string }[] = [];
  for (const op of batch.ops) {
    if (op.op === "install") {
      keys.set(op.slot, op.key);
      continue;
    }
    if (op.op === "drop") {
      keys.delete(op.slot);
      prehashSigners.delete(op.slot);
      continue;
    }
    try {
      const key = keys.get(op.slot);
      if (key === undefined) throw new Error(`no key in slot ${op.slot}`);
      const data = batch.data.subarray(op.start, op.end);
      // The bare KeyObject (DER is the default encoding): see FileSigner.sign.
      parts.push(op.prehashed ? (await prehashSigner(op.slot, key))(data) : nodeSign("sha256", data, key));
      ids.push(op.id);
    } catch (err) {
      failures.push({ id: op.id, message: err instanceof Error ? err.message : String(err) });
    }
  }
  const ends = new Uint32Array(parts.length);
  let total = 0;
  parts.forEach((p, i) => (ends[i] = total += p.length));
  const signatures = new Uint8Array(total);
  parts.forEach((p, i) => signatures.set(p, i === 0 ? 0 : (ends[i - 1] ?? 0)));
  return { ids: Uint32Array.from(ids), ends, signatures, failures };
}

// Batches are answered in order: a batch waits for the one before (only prehashed signing awaits).
let previous: Promise<unknown> = Promise.resolve();
port.on("message", (batch: SigningBatch) => {
  previous = previous.then(async () => {
    const reply = await run(batch);
    port.postMessage(reply, [reply.signatures.buffer as ArrayBuffer]);
  });
});
