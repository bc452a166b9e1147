/**
 * Malformed requests get the right code and a message naming the problem, and the server keeps
 * serving afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer({ "max-body-bytes": String(64 * 1024) });
});
afterAll(async () => {
  await srv?.stop();
});

async function post(path: string, body: string, contentType = "application/json") {
  const res = await fetch(`${srv.url}${path}`, { method: "POST", headers: { "content-type": contentType }, body });
  return { status: res.status, body: (await res.json()) as { code: string; message: string } };
}

describe("bad input", () => {
  it("malformed JSON is invalid_argument (400) naming the message", async () => {
    const r = await post("/certus.trust.v1.TrustService/Sign", '{"artifact": ');
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("invalid_argument");
    expect(r.body.message).toMatch(/SignRequest/);
  });

  it("a wrong field type is invalid_argument naming the field", async () => {
    const r = await post("/v1/sign", JSON.stringify({ artifact: { digest: 42 } }));
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("invalid_argument");
    expect(r.body.message).toMatch(/Artifact\.digest/);
  });

  it("an unknown field is invalid_argument naming it", async () => {
    const r = await post("/v1/verify", JSON.stringify({ artefact: {} }));
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/artefact/);
  });

  it("an oversized body is refused with resource_exhausted and the limit", async () => {
    const r = await post("/v1/sign", JSON.stringify({ policy: "x".repeat(100 * 1024) }));
    expect(r.body.code).toBe("resource_exhausted");
    expect(r.body.message).toMatch(/65536/);
  });

  it("an unknown path is not_found (404) saying where the API is", async () => {
    const res = await fetch(`${srv.url}/v2/nothing`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe("not_found");
    expect(body.message).toMatch(/\/v2\/nothing/);
    expect(body.message).toMatch(/\/v1\/sign/);
  });

  it("the wrong method on a REST alias is 405 with Allow", async () => {
    const res = await fetch(`${srv.url}/v1/sign`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });

  it("an unknown RPC is not found", async () => {
    const r = await post("/certus.trust.v1.TrustService/Nope", "{}");
    expect(r.status).toBe(404);
  });

  it("keeps serving after all of that", async () => {
    const res = await fetch(`${srv.url}/v1/keys`);
    expect(res.status).toBe(200);
  });
});
