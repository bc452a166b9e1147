/**
 * Definitive answers of Rekor v1 are not upstream failures: a 404 for an entry (an index beyond
 * the log, an unknown UUID) is `not_found` at once, is not retried, and does not count against
 * the circuit breaker. Found against the real rekor-server v1.5.4
 * (test/interop/real-sigstore-rekor-v1.test.ts): one GetTransparency for a missing index retried
 * its 404 until the deadline and opened the read circuit, so every later read answered
 * `unavailable` until the breaker's probe closed it again.
 *
 * The upstream here is a node:http server on loopback answering 404 as Rekor does; the log's
 * checkpoints are not involved (entry reads do not consult them), so none are given.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError } from "../../../src/errors.js";
import { createLogger } from "../../../src/logger.js";
import { RekorV1Log } from "../../../src/sigstore/external/rekor-v1-log.js";
import { UpstreamHttp } from "../../../src/sigstore/external/upstream-http.js";

const log = createLogger("error", new Writable({ write: (_c, _e, cb) => cb() }));
let requests = 0;
const server = createServer((req, res) => {
  requests += 1;
  res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ code: 404, message: "ID not found" }));
});
let url = "";
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("RekorV1Log and Rekor's 404", () => {
  it("answers not_found once per call, without retrying, and the circuit stays closed", async () => {
    const http = new UpstreamHttp({ component: "rekor-read", baseUrl: url, deadlineMs: 3_000, breaker: { failureThreshold: 2 } });
    const notConsulted = (): never => {
      throw new Error("entry reads that end in a 404 consult neither checkpoints nor the trusted root");
    };
    const rekor = new RekorV1Log({ http, checkpoints: undefined as never, trustedRoot: notConsulted, log });
    for (let i = 0; i < 5; i += 1) {
      await expect(rekor.entryByIndex(999_999)).rejects.toBeInstanceOf(NotFoundError);
      await expect(rekor.entryByUuid("a".repeat(64))).rejects.toBeInstanceOf(NotFoundError);
    }
    expect(requests).toBe(10);
    expect(http.breaker.state).toBe("closed");
  });
});
