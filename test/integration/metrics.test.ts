/**
 * /metrics: Prometheus text that parses, with counters that move when the service works
 * (requests by procedure and code, sign outcomes, verify verdicts and failure codes, log size
 * and batch sizes).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
const DIGEST = `sha256:${"12".repeat(32)}`;

type Sample = { name: string; labels: Record<string, string>; value: number };

/** A strict reader of the Prometheus text format (0.0.4): throws on any line it does not understand. */
function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
      expect(line).toMatch(/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ([-+]?(?:[0-9.]+(?:e[-+]?\d+)?|NaN|Inf))(?: \d+)?$/i.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    for (const lm of (m[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]!] = lm[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[4]) });
  }
  return out;
}

async function scrape(): Promise<Sample[]> {
  const res = await fetch(`${srv.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  return parsePrometheus(await res.text());
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.stop();
});

describe("/metrics", () => {
  it("parses as Prometheus text and its counters move", async () => {
    const before = await scrape();
    const signed = await fetch(`${srv.url}/v1/sign`, { method: "POST", body: JSON.stringify({ artifact: { digest: DIGEST } }) });
    expect(signed.status).toBe(200);
    const { bundle } = (await signed.json()) as { bundle: unknown };
    const verify = (subject: string) =>
      fetch(`${srv.url}/v1/verify`, {
        method: "POST",
        body: JSON.stringify({ artifact: { digest: DIGEST }, bundle, expectedSigner: { subject, issuer: srv.url } }),
      });
    expect((await verify("certus-trust@certus.cloud")).status).toBe(200);
    expect((await verify("someone-else@certus.cloud")).status).toBe(200);
    expect((await fetch(`${srv.url}/v1/sign`, { method: "POST", body: "{}" })).status).toBe(400);

    const after = await scrape();
    const sign = { procedure: "certus.trust.v1.TrustService/Sign" };
    expect(value(after, "certus_trust_requests_total", { ...sign, code: "ok" }) - value(before, "certus_trust_requests_total", { ...sign, code: "ok" })).toBe(
      1,
    );
    expect(value(after, "certus_trust_requests_total", { ...sign, code: "invalid_argument" })).toBeGreaterThanOrEqual(1);
    expect(value(after, "certus_trust_request_duration_seconds_count", sign)).toBeGreaterThanOrEqual(2);
    expect(value(after, "certus_trust_sign_total", { outcome: "ok" })).toBeGreaterThanOrEqual(1);
    expect(value(after, "certus_trust_verify_bundles_total", { verdict: "verified" })).toBeGreaterThanOrEqual(1);
    expect(value(after, "certus_trust_verify_bundles_total", { verdict: "rejected" })).toBeGreaterThanOrEqual(1);
    expect(value(after, "certus_trust_verify_failures_total", { code: "SIGNER_MISMATCH" })).toBeGreaterThanOrEqual(1);
    expect(value(after, "certus_trust_log_size")).toBeGreaterThan(value(before, "certus_trust_log_size"));
    expect(value(after, "certus_trust_log_batch_size_count")).toBeGreaterThanOrEqual(1);
    expect(after.some((s) => s.name === "certus_trust_rate_limited_total")).toBe(true);
    expect(after.some((s) => s.name.startsWith("certus_trust_process_"))).toBe(true);
  });
});
