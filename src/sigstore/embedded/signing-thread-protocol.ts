/**
 * Messages between the main thread and the signing thread (`signing-thread.ts`,
 * `signing-thread-worker.ts`). Types only: the worker loads this file for its types alone.
 *
 * One message carries every operation queued since the last one, in order: keys installed and
 * dropped travel in the same stream as the signatures, so a signature asked for before a key was
 * dropped is made before the drop. The bytes to sign are packed into one buffer.
 */
import type { KeyObject } from "node:crypto";

/** Puts a private key into a numbered slot of the thread. */
export interface InstallOp {
  readonly op: "install";
  readonly slot: number;
  readonly key: KeyObject;
}

/** Forgets the key in a slot. */
export interface DropOp {
  readonly op: "drop";
  readonly slot: number;
}

/**
 * Signs `data[start, end)` of the batch with the key in `slot`: ECDSA over SHA-256 of the bytes,
 * or, when `prehashed`, over the bytes as a SHA-256 digest (hedged, as `signPrehashed` promises).
 */
export interface SignOp {
  readonly op: "sign";
  readonly id: number;
  readonly slot: number;
  readonly start: number;
  readonly end: number;
  readonly prehashed: boolean;
}

export type SigningOp = InstallOp | DropOp | SignOp;

/** Main → thread: a batch of operations, `data` holding every SignOp's bytes. */
export interface SigningBatch {
  readonly ops: readonly SigningOp[];
  readonly data: Uint8Array;
}

/**
 * Thread → main: the batch's signatures, DER, packed: signature `i` answers `ids[i]` and is
 * `signatures[ends[i-1] (0 for the first), ends[i])`. A signature that failed is in `failures`
 * instead, with the error's message (never key material: the thread only signs).
 */
export interface SigningReply {
  readonly ids: Uint32Array;
  readonly ends: Uint32Array;
  readonly signatures: Uint8Array;
  readonly failures: readonly { readonly id: number; readonly message: string }[];
}
