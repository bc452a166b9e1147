/**
 * Errors specific to the transparency log, on top of the domain errors in `src/errors.ts`.
 */
import { TrustError } from "../../../errors.js";

/**
 * The log already holds an entry with the same canonicalized body (same leaf hash, same UUID).
 * Rekor answers 409 Conflict with the existing entry's location; a client retrying after a lost
 * response can fetch the existing entry by `uuid` or `logIndex`.
 */
export class EntryExistsError extends TrustError {
  readonly uuid: string;
  readonly logIndex: number;

  constructor(uuid: string, logIndex: number) {
    super("ALREADY_EXISTS", `transparency-log: an equivalent entry already exists at index ${logIndex}`);
    this.name = "EntryExistsError";
    this.uuid = uuid;
    this.logIndex = logIndex;
  }
}
