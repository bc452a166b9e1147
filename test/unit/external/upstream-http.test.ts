/**
 * The external mode's upstream client against a local HTTP server that misbehaves on purpose:
 * it hangs, resets connections, answers garbage or 5xx/429, then recovers. Checked: the deadline
 * holds, transient failures are retried with backoff, definitive answers are not, the circuit
 * opens, refuses at once, lets one probe through after its cool-down and closes on success.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnavailableError } from "../../../src/errors.js";
import { backoffDelay } from "../../../src/sigstore/external/backoff.js";
import { CircuitBreaker } from "../../../src/sigstore/external/circuit-breaker.js";
import { DefinitiveError } from "../../../src/sigstore/external/retrying-call.js";
import { TsaClient } from "../../../src/sigstore/external/tsa.js";
import { jsonBody, UpstreamHttp } from "../../../src/sigstore/external/upstream-http.js";

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let base: string;
let behaviour: Behaviour = (_req, res) => res.end("{}");
let hits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits += 1;
    behaviour(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const fastBackoff = { initialDelayMs: 20, maxDelayMs: 100, multiplier: 2 };
const client = (deadlineMs: number, breaker = {}) =>
  new UpstreamHttp({ component: "rekor", baseUrl: base, deadlineMs, backoff: fastBackoff, breaker: { failureThreshold: 100, ...breaker } });
const json = (res: Parameters<typeof jsonBody>[0]) => jsonBody(res, "the answer");

async function expectUnavailable(p: Promise<unknown>): Promise<UnavailableError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UnavailableError);
  expect((err as UnavailableError).code).toBe("UNAVAILABLE");
  expect((err as UnavailableError).component).toBe("rekor");
  expect((err as UnavailableError).message).toMatch(/^rekor: /);
  return err as UnavailableError;
}

describe("backoff", () => {
  it("grows exponentially up to the cap, with full jitter, never zero", () => {
    const policy = { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 };
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, policy, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, policy, () => 0)).toBe(1);
    for (let i = 0; i < 100; i += 1) expect(backoffDelay(2, policy)).toBeLessThan(400);
  });
});

describe("circuit breaker", () => {
  it("opens after the threshold, refuses while open, lets one probe through, closes on its success", () => {
    let now = 0;
    const b = new CircuitBreaker({ failureThreshold: 2, openMs: 1000, now: () => now });
    const states: string[] = [];
    b.onChange((s) => states.push(s));
    expect(b.tryAcquire()).toBe(true);
    b.failure("one");
    expect(b.state).toBe("closed");
    expect(b.tryAcquire()).toBe(true);
    b.failure("two");
    expect(b.state).toBe("open");
    expect(b.tryAcquire()).toBe(false);
    expect(b.retryAfterMs()).toBe(1000);
    now = 1000;
    expect(b.state).toBe("half-open");
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false); // only one probe at a time
    b.failure("still down");
    expect(b.state).toBe("open");
    now = 2500;
    expect(b.tryAcquire()).toBe(true);
    b.success();
    expect(b.state).toBe("closed");
    expect(b.lastFailure).toBeUndefined();
    expect(states).toEqual(["open", "half-open", "open", "half-open", "closed"]);
  });
});

describe("UpstreamHttp against a misbehaving server", () => {
  it("a hanging server: unavailable once the deadline passes, not later", async () => {
    behaviour = () => {}; // never answers
    const t0 = performance.now();
    const err = await expectUnavailable(client(600).call("/hang", {}, json));
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(550);
    expect(ms).toBeLessThan(1500);
    expect(err.message).toContain("no answer within");
  });

  it("connection resets are retried with backoff, then succeed", async () => {
    hits = 0;
    behaviour = (req, res) => (hits <= 2 ? req.socket.destroy() : res.end(JSON.stringify({ ok: true })));
    await expect(client(5000).call("/reset", {}, json)).resolves.toEqual({ ok: true });
    expect(hits).toBe(3);
  });

  it("garbage (not JSON) is retried and, if it persists, reported as unavailable", async () => {
    hits = 0;
    behaviour = (_req, res) => res.end("<html>proxy error</html>");
    const err = await expectUnavailable(client(400).call("/garbage", {}, json));
    expect(err.message).toContain("not JSON");
    expect(hits).toBeGreaterThan(1);
  });

  it("503 and 429 are retried (Retry-After honoured); 400 is handed to the caller at once", async () => {
    hits = 0;
    behaviour = (_req, res) => {
      if (hits === 1) res.writeHead(503).end("busy");
      else if (hits === 2) res.writeHead(429, { "retry-after": "0" }).end();
      else res.end('{"n":3}');
    };
    await expect(client(5000).call("/flaky", {}, json)).resolves.toEqual({ n: 3 });
    expect(hits).toBe(3);

    hits = 0;
    behaviour = (_req, res) => res.writeHead(400).end('{"message":"bad entry"}');
    const refused = client(5000).call("/refuse", {}, (res) => {
      if (res.status !== 200) throw new DefinitiveError(new UnavailableError("rekor", `refused (HTTP ${res.status})`));
      return res;
    });
    await expectUnavailable(refused);
    expect(hits).toBe(1);
  });

  it("an oversized answer is refused", async () => {
    behaviour = (_req, res) => res.end(Buffer.alloc(64 * 1024, 0x20));
    const small = new UpstreamHttp({ component: "rekor", baseUrl: base, deadlineMs: 300, backoff: fastBackoff, maxResponseBytes: 1024 });
    const err = await expectUnavailable(small.call("/big", {}, json));
    expect(err.message).toContain("larger than");
  });

  it("the circuit opens on a dead upstream, answers at once while open, and recovers through a probe", async () => {
    const up = client(2000, { failureThreshold: 3, openMs: 300 });
    behaviour = (_req, res) => res.writeHead(502).end();
    await expectUnavailable(up.call("/dead", {}, json));
    expect(up.breaker.state).toBe("open");
    hits = 0;
    const t0 = performance.now();
    const fast = await expectUnavailable(up.call("/dead", {}, json));
    expect(performance.now() - t0).toBeLessThan(50);
    expect(hits).toBe(0); // nothing reached the dead upstream
    expect(fast.message).toContain("paused");
    expect(fast.retryAfterMs).toBeGreaterThanOrEqual(300);

    behaviour = (_req, res) => res.end('{"back":true}');
    await new Promise((r) => setTimeout(r, 350));
    expect(up.breaker.state).toBe("half-open");
    await expect(up.call("/alive", {}, json)).resolves.toEqual({ back: true });
    expect(up.breaker.state).toBe("closed");
  });

  it("the TSA client refuses a 2xx that is not a granted TimeStampResp (garbage), and retries it", async () => {
    hits = 0;
    behaviour = (_req, res) => res.writeHead(201, { "content-type": "application/timestamp-reply" }).end(Buffer.from("definitely not DER"));
    const tsa = new TsaClient(new UpstreamHttp({ component: "tsa", baseUrl: base, deadlineMs: 300, backoff: fastBackoff }));
    const err = await tsa.timestamp(Buffer.from("sig")).then(
      () => undefined,
      (e: unknown) => e as UnavailableError,
    );
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err!.component).toBe("tsa");
    expect(err!.message).toContain("not a granted TimeStampResp");
    expect(hits).toBeGreaterThan(1);
  });
});
