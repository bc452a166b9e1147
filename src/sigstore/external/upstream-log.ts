/**
 * Chooses the {@link TransparencyLog} adapter for an upstream Rekor, once, from the external
 * mode's options: Rekor v2 with a read URL is read through its checkpoint and tiles
 * ({@link RekorV2Log}); anything else is the refusing {@link ExternalLogPort}, whose refusals name
 * the upstream API that answers instead. Also reports the log's own readiness: an upstream that
 * contradicted an earlier checkpoint, or served tiles that do not match a signed one, is not
 * ready and says why.
 */
import type { Logger } from "../../logger.js";
import type { EntryIndex } from "../../state/state-store.js";
import type { ComponentReadiness } from "../signing-backend.js";
import type { TransparencyLog } from "../transparency-log.js";
import type { TrustedRootDocument } from "../trust-root-source.js";
import type { RekorVersion } from "./rekor.js";
import { RekorV2Log } from "./rekor-v2-log.js";
import { ExternalLogPort } from "./transparency-log.js";
import { checkpointStateFile, UpstreamCheckpoints } from "./upstream-checkpoints.js";
import { UpstreamHttp, type UpstreamHttpOptions } from "./upstream-http.js";

/** The kinds of log alarm (a metric label). */
export type LogAlarmKind = "inconsistent" | "tampered";

export interface UpstreamLogOptions {
  readonly dataDir: string;
  readonly rekorUrl: string;
  readonly rekorVersion: RekorVersion;
  /** Rekor v2's read URL (checkpoint and tiles); empty: not readable. */
  readonly rekorReadUrl: string;
  readonly checkpointPollMs: number;
  readonly upstreamDeadlineMs: number;
  readonly breaker?: UpstreamHttpOptions["breaker"];
  /** Where the service's own entries are indexed (search on a log without search). */
  readonly entryIndex: EntryIndex | undefined;
  readonly trustedRoot: () => TrustedRootDocument;
  readonly log: Logger;
  readonly onAlarm?: (kind: LogAlarmKind, reason: string) => void;
}

export interface UpstreamLog {
  readonly log: TransparencyLog;
  /** The read side's HTTP client, when there is one (its breaker feeds readiness). */
  readonly readHttp: UpstreamHttp | undefined;
  /** The log's trustworthiness, when it is read: not ready after an alarm. */
  readiness(): ComponentReadiness | undefined;
  onChange(listener: () => void): () => void;
}

export function openUpstreamLog(o: UpstreamLogOptions): UpstreamLog {
  if (o.rekorVersion !== 2 || o.rekorReadUrl === "" || o.entryIndex === undefined) {
    return { log: new ExternalLogPort(o.rekorUrl, o.rekorVersion), readHttp: undefined, readiness: () => undefined, onChange: () => () => {} };
  }
  const listeners = new Set<() => void>();
  let tampered: string | undefined;
  const alarm = (kind: LogAlarmKind, reason: string) => {
    if (kind === "tampered") tampered = reason;
    o.onAlarm?.(kind, reason);
    for (const l of listeners) l();
  };
  const readHttp = new UpstreamHttp({ component: "rekor-read", baseUrl: o.rekorReadUrl, deadlineMs: o.upstreamDeadlineMs, attemptTimeoutMs: Math.ceil(o.upstreamDeadlineMs / 2), ...(o.breaker ? { breaker: o.breaker } : {}) });
  // The log reads its checkpoint through the same client; consistency proofs come from its tiles.
  let v2: RekorV2Log | undefined;
  const checkpoints = new UpstreamCheckpoints({
    component: "rekor",
    fetchNote: () =>
      readHttp.call("/checkpoint", {}, (res) => {
        if (res.status !== 200) throw new Error(`GET checkpoint: HTTP ${res.status}`);
        return res.body.toString("utf8");
      }),
    // From the tiles of the new tree; UpstreamCheckpoints checks it against both signed roots.
    consistencyProof: (first, last) => v2!.tileConsistencyProof(first, last),
    trustedRoot: o.trustedRoot,
    stateFile: checkpointStateFile(o.dataDir, "rekor"),
    log: o.log,
    pollMs: o.checkpointPollMs,
    onAlarm: (reason) => alarm("inconsistent", reason),
    onUnproven: (reason) => alarm("tampered", reason),
  });
  v2 = new RekorV2Log({ read: readHttp, checkpoints, entryIndex: o.entryIndex, trustedRoot: o.trustedRoot, log: o.log, onTamper: (what) => alarm("tampered", what) });
  return {
    log: v2,
    readHttp,
    readiness: () => {
      const reason = checkpoints.alarm ?? tampered;
      return { component: "rekor-log", ready: reason === undefined, critical: checkpoints.alarm !== undefined, detail: reason === undefined ? "ok" : `ALARM: ${reason}` };
    },
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}
