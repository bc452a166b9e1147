/**
 * Chooses the {@link TransparencyLog} adapter for an upstream Rekor, once, from the external
 * mode's options: Rekor v1 is read through its REST API ({@link RekorV1Log}); Rekor v2 with a
 * read URL through its checkpoint and tiles ({@link RekorV2Log}); Rekor v2 without one is the
 * refusing {@link ExternalLogPort}, whose refusals say what to configure. Also reports the log's own readiness: an upstream that
 * contradicted an earlier checkpoint, or served tiles that do not match a signed one, is not
 * ready and says why.
 */
import type { Logger } from "../../logger.js";
import type { EntryIndex } from "../../state/state-store.js";
import type { ComponentReadiness } from "../signing-backend.js";
import type { TransparencyLog } from "../transparency-log.js";
import type { TrustedRootDocument } from "../trust-root-source.js";
import type { LogAppendRequest } from "../transparency-log.js";
import type { RekorClient, RekorVersion } from "./rekor.js";
import { appendThroughRekor } from "./rekor-append.js";
import { RekorV1Log, signedTreeHeadOf } from "./rekor-v1-log.js";
import { RekorV2Log } from "./rekor-v2-log.js";
import { TransientUpstreamError } from "./retrying-call.js";
import { ExternalLogPort } from "./transparency-log.js";
import { checkpointStateFile, UpstreamCheckpoints } from "./upstream-checkpoints.js";
import { jsonBody, UpstreamHttp, type UpstreamHttpOptions } from "./upstream-http.js";

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
  /** The write client, for appends of entries the service did not sign (Certus inner signatures). */
  readonly rekor?: RekorClient;
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
  const v2Readable = o.rekorVersion === 2 && o.rekorReadUrl !== "" && o.entryIndex !== undefined;
  if (o.rekorVersion === 2 && !v2Readable) {
    return { log: new ExternalLogPort(o.rekorUrl, o.rekorVersion), readHttp: undefined, readiness: () => undefined, onChange: () => () => {} };
  }
  const listeners = new Set<() => void>();
  let tampered: string | undefined;
  const alarm = (kind: LogAlarmKind, reason: string) => {
    if (kind === "tampered") tampered = reason;
    o.onAlarm?.(kind, reason);
    for (const l of listeners) l();
  };
  // Rekor v1 is read through its REST API, Rekor v2 through its read URL (tiles and checkpoint).
  const readHttp = new UpstreamHttp({
    component: "rekor-read",
    baseUrl: v2Readable ? o.rekorReadUrl : o.rekorUrl,
    deadlineMs: o.upstreamDeadlineMs,
    attemptTimeoutMs: Math.ceil(o.upstreamDeadlineMs / 2),
    ...(o.breaker ? { breaker: o.breaker } : {}),
  });
  let v1: RekorV1Log | undefined;
  let v2: RekorV2Log | undefined;
  const checkpoints = new UpstreamCheckpoints({
    component: "rekor",
    fetchNote: () =>
      v2Readable
        ? readHttp.call("/checkpoint", {}, (res) => {
            if (res.status !== 200) throw new TransientUpstreamError(`GET checkpoint: HTTP ${res.status}`);
            return res.body.toString("utf8");
          })
        : readHttp.call("/api/v1/log", { headers: { accept: "application/json" } }, (res) => {
            if (res.status !== 200) throw new TransientUpstreamError(`GET /api/v1/log: HTTP ${res.status}`);
            return signedTreeHeadOf(jsonBody(res, "the log info"));
          }),
    // Rekor v1 serves the proof; for v2 it is built from the tiles of the new tree. Either way
    // UpstreamCheckpoints checks it against both signed roots.
    consistencyProof: (first, last) => {
      if (v2) return v2.tileConsistencyProof(first, last);
      if (v1) return v1.rawConsistencyProof(first, last);
      throw new Error("the upstream log is not open yet");
    },
    trustedRoot: o.trustedRoot,
    stateFile: checkpointStateFile(o.dataDir, "rekor"),
    log: o.log,
    pollMs: o.checkpointPollMs,
    onAlarm: (reason) => alarm("inconsistent", reason),
    onUnproven: (reason) => alarm("tampered", reason),
  });
  const rekor = o.rekor;
  const append = rekor ? (request: LogAppendRequest) => appendThroughRekor(rekor, request, v2Readable ? o.entryIndex : undefined) : undefined;
  const common = { checkpoints, trustedRoot: o.trustedRoot, log: o.log, onTamper: (what: string) => alarm("tampered", what), ...(append ? { append } : {}) };
  let log: RekorV1Log | RekorV2Log;
  if (v2Readable) log = v2 = new RekorV2Log({ ...common, read: readHttp, entryIndex: o.entryIndex });
  else log = v1 = new RekorV1Log({ ...common, http: readHttp });
  return {
    log,
    readHttp,
    readiness: () => {
      const reason = checkpoints.alarm ?? tampered;
      return {
        component: "rekor-log",
        ready: reason === undefined,
        critical: checkpoints.alarm !== undefined,
        detail: reason === undefined ? "ok" : `ALARM: ${reason}`,
      };
    },
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}
