/**
 * The messages between the verification pool and its worker threads. Everything is plain data
 * (structured clone) except a bundle in binary form, whose buffer is transferred, not copied.
 */
import type { ArtifactInput, ExpectedSigner, VerificationResult } from "../sigstore/verify/index.js";

/** The trusted root of a task: one of the two the workers hold, or a root sent in the request. */
export type RootRef = { kind: "service" } | { kind: "public-good" } | { kind: "json"; json: unknown };

/**
 * A bundle as the worker receives it: the protobuf binary encoding of a `dev.sigstore.bundle.v1.Bundle`
 * (what the Verify handler has: the request's decoded message, re-encoded; the worker decodes it,
 * so the main thread never converts bundles to JSON), or its JSON form (policy rules' bundles).
 */
export type TaskBundle = { readonly binary: Uint8Array } | { readonly json: unknown };

/** One bundle to judge. */
export interface VerifyTask {
  readonly id: number;
  readonly bundle: TaskBundle;
  readonly artifact: ArtifactInput;
  readonly root: RootRef;
  readonly expected: ExpectedSigner;
}

/**
 * One chunk of a request for a worker. A worker may hold several; it judges them in order and
 * skips one whose deadline (ms since the epoch, `performance.timeOrigin + performance.now()`) has
 * passed before its turn, answering {@link ChunkReply} `expired`.
 */
export interface ChunkMessage {
  readonly id: number;
  readonly deadline: number;
  readonly tasks: readonly VerifyTask[];
}

/** A worker's answer to one chunk. */
export type ChunkReply = { readonly id: number; readonly replies: VerifyReply[] } | { readonly id: number; readonly expired: true };

/** The answer: a verdict, or the request error `verifyBundle` threw (field and message). */
export type VerifyReply =
  | { readonly id: number; readonly result: VerificationResult }
  | { readonly id: number; readonly invalidArgument: { readonly field: string; readonly message: string } }
  | { readonly id: number; readonly internal: string };

/** What a worker is started with. */
export interface WorkerSetup {
  /** The service's trusted root (JSON), loaded once by each worker. */
  readonly serviceRoot: unknown;
}
