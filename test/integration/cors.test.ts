/**
 * CORS for configured browser origins: preflights for the Connect and REST paths are answered,
 * allowed origins get the headers on real calls, other origins get none.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
const ALLOWED = "https://console.certus.example";

beforeAll(async () => {
  srv = await startTestServer({ "cors-origins": ALLOWED });
});
afterAll(async () => {
  await srv?.stop();
});

describe("CORS", () => {
  it("answers a preflight from an allowed origin, for Connect and REST paths", async () => {
    for (const path of ["/certus.trust.v1.TrustService/Verify", "/v1/verify"]) {
      const res = await fetch(`${srv.url}${path}`, {
        method: "OPTIONS",
        headers: { origin: ALLOWED, "access-control-request-method": "POST", "access-control-request-headers": "content-type,connect-protocol-version" },
      });
      expect(res.status, path).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe(ALLOWED);
      expect(res.headers.get("access-control-allow-methods")).toMatch(/POST/);
      expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toMatch(/content-type/);
    }
  });

  it("adds the headers to real calls from an allowed origin, and none for other origins", async () => {
    const ok = await fetch(`${srv.url}/v1/keys`, { headers: { origin: ALLOWED } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(ok.headers.get("access-control-expose-headers")?.toLowerCase()).toMatch(/x-request-id/);
    const other = await fetch(`${srv.url}/v1/keys`, { headers: { origin: "https://evil.example" } });
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${srv.url}/v1/verify`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });
});
