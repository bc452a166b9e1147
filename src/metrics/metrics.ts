/**
 * The service's Prometheus metrics (prom-client), in one registry per server so that several
 * servers in one process (tests) do not share counters. Names follow Prometheus conventions:
 * `_total` counters, `_seconds` histograms, a `certus_trust_` prefix. No label carries a caller
 * identity or any request data beyond the procedure and the outcome code (bounded cardinality).
 */
import type { TransparencyLog } from "../sigstore/transparency-log.js";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export class TrustMetrics {
  readonly registry = new Registry();

  /** Calls by procedure (`service/Method`) and RPC code (`ok`, `invalid_argument`, …). */
  readonly requests = new Counter({
    name: "certus_trust_requests_total",
    help: "RPC calls by procedure and result code",
    labelNames: ["procedure", "code"],
    registers: [this.registry],
  });
  /** Call latency by procedure, seconds (streams: until the stream ends). */
  readonly latency = new Histogram({
    name: "certus_trust_request_duration_seconds",
    help: "RPC call latency by procedure",
    labelNames: ["procedure"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  /** Sign outcomes: `ok`, or the RPC code of the refusal (e.g. `failed_precondition` for a policy). */
  readonly signs = new Counter({ name: "certus_trust_sign_total", help: "Sign outcomes", labelNames: ["outcome"], registers: [this.registry] });
  /** Verify verdicts per bundle: `verified` or `rejected`. */
  readonly verifications = new Counter({
    name: "certus_trust_verify_bundles_total",
    help: "bundles judged by Verify, by verdict",
    labelNames: ["verdict"],
    registers: [this.registry],
  });
  /** Verification failures by stable failure code (SIGNER_MISMATCH, SIGNATURE_INVALID, …). */
  readonly verifyFailures = new Counter({
    name: "certus_trust_verify_failures_total",
    help: "Verify failures by failure code",
    labelNames: ["code"],
    registers: [this.registry],
  });
  /** Entries in the transparency log. */
  readonly logSize = new Gauge({ name: "certus_trust_log_size", help: "entries in the transparency log", registers: [this.registry] });
  /** Entries per durable log batch (group commit). */
  readonly batchSize = new Histogram({
    name: "certus_trust_log_batch_size",
    help: "entries per durable transparency-log batch",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [this.registry],
  });
  /**
   * Alarms about an upstream transparency log (mode sigstore): `inconsistent` (it signed a
   * checkpoint contradicting one it showed before), `tampered` (it served entries, tiles or
   * proofs that do not match its signed checkpoint). Anything above 0 needs a person.
   */
  readonly upstreamLogAlarms = new Counter({
    name: "certus_trust_upstream_log_alarms_total",
    help: "upstream transparency log alarms by kind",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  /** Calls refused by the per-caller rate limiter. */
  readonly rateLimited = new Counter({
    name: "certus_trust_rate_limited_total",
    help: "calls refused by the per-caller rate limit",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "certus_trust_" });
  }

  /**
   * Follows a transparency log: its size and the size of each batch. A log that cannot be
   * watched (an upstream one) is not followed: its size is the upstream's to report.
   */
  followLog(log: TransparencyLog): () => void {
    if (!log.capabilities.watch) return () => {};
    let latest = -1;
    const off = log.watch((e) => {
      latest = Math.max(latest, e.checkpoint.treeSize);
      this.logSize.set(latest);
      this.batchSize.observe(e.count);
    });
    log.latestCheckpoint().then(
      (cp) => {
        if (cp.treeSize > latest) {
          latest = cp.treeSize;
          this.logSize.set(latest);
        }
      },
      () => {},
    );
    return off;
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
