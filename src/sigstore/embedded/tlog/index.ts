/** The embedded transparency log: re-exports only. */
export { validateAppendRequest, DEFAULT_MAX_BODY_BYTES, type AppendRequest } from "./append-request.js";
export { checkpointBody, isValidNoteName, keyHint, signCheckpoint, type Checkpoint } from "../../rekor/checkpoint.js";
export {
  signedEntryTimestampPayload,
  toTransparencyLogEntry,
  type EntryApiVersion,
  type EntryKind,
  type InclusionProof,
  type LoggedEntry,
  type SerializedTransparencyLogEntry,
} from "./entry.js";
export { EntryExistsError } from "./log-errors.js";
export {
  EmbeddedTransparencyLog,
  type CheckpointEvent,
  type ConsistencyProof,
  type EmbeddedLogOptions,
  type EntryPage,
  type PageOptions,
  type PublishedCheckpoint,
  type TreeInclusionProof,
} from "./log.js";
export {
  CheckpointError,
  parseCheckpointBody,
  parseSignedNote,
  verifySignedCheckpoint,
  type CheckpointErrorReason,
  type CheckpointVerifier,
} from "../../rekor/signed-note.js";
