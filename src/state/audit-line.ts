/**
 * The log line of an audit event (`{ audit: event }`, message "audit"), written by both trail
 * stores. Of the redaction paths (`logger.ts`) only the `*.name` ones reach into this line (the
 * others name root fields or fields under another root field; a test holds the list to that), so
 * on it redaction could only ever remove a top-level field of the event with a redacted name; the event's
 * own fields (seq, time, prev, hash, caller, action, …) are none of those. pino's redaction costs
 * about four times the rest of the line (issue 20's profile: 1.6 % of the loop under Verify), so
 * an event whose keys are all unredacted names goes through a child without redaction; any other
 * event (an unexpected field) is logged through the redacting logger as before.
 */
import { REDACTED_PATHS, type Logger } from "../logger.js";
import type { AuditEvent } from "./state-store.js";

/** Field names that redaction removes one level below the root (`*.name`). */
const REDACTED_NAMES: ReadonlySet<string> = new Set(REDACTED_PATHS.filter((p) => p.startsWith("*.")).map((p) => p.slice(2)));

/** Whether redaction could change the line of `event` (it has a field whose name is redacted). */
export function auditLineNeedsRedaction(event: AuditEvent): boolean {
  for (const key of Object.keys(event)) if (REDACTED_NAMES.has(key)) return true;
  return false;
}

/** Logs audit events for one trail store. */
export function auditLineWriter(log: Logger): (event: AuditEvent) => void {
  const plain = log.child({}, { redact: [] });
  return (event) => (auditLineNeedsRedaction(event) ? log : plain).info({ audit: event }, "audit");
}
