/**
 * The messages between the Verify handler's pool and its worker threads. Everything is plain data
 * (structured clone): a bundle as JSON, the artifact, the expectation, and which trusted root.
 */
import type { ArtifactInput, ExpectedSigner, VerificationResult } from "../sigstore/verify/index.js";

/** The trusted root of a task: one of the two the workers hold, or a root sent in the request. */
export type RootRef = { kind: "service" } | { kind: "public-good" } | { kind: "json"; json: unknown };

/** One bundle to judge. */
export interface VerifyTask {
  readonly id: number;
  readonly bundle: unknown;
  readonly artifact: ArtifactInput;
  readonly root: RootRef;
  readonly expected: ExpectedSigner;
}

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
