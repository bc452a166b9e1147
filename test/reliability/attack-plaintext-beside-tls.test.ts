/**
 * Issue #14, finding 6: with TLS configured, the same port refuses cleartext. An API key and a
 * Sign request sent over plaintext HTTP/1.1 get a 400 saying the port is TLS-only and nothing is
 * signed (the log does not grow); an h2c connection is cut before any stream is answered. TLS
 * clients are served as before.
 */
import { connect as h2connect } from "node:http2";
import { request } from "node:http";
import { request as httpsRequest } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyStore } from "../../src/state/file/api-key-store.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import { writeSelfSignedTlsCert, type TestTlsCert } from "../helpers/tls-cert.js";
import { probeReadyz } from "./attack-support.js";

let srv: TestServer;
let cert: TestTlsCert;
let apiKey: string;
const SIGN_BODY = JSON.stringify({ artifact: { digest: `sha256:${"ab".repeat(32)}` } });

beforeAll(async () => {
  const dataDir = tempDir();
  apiKey = ApiKeyStore.open(dataDir).create("signer", ["sign", "read"]).key;
  cert = await writeSelfSignedTlsCert(tempDir());
  srv = await startTestServer({ auth: "api-key", "tls-cert": cert.certFile, "tls-key": cert.keyFile, "headers-timeout-ms": "1000" }, dataDir);
});
afterAll(async () => {
  await srv?.stop();
});

function post(url: string, secure: boolean): Promise<{ status: number; body: string }> {
  const send = secure ? httpsRequest : request;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { method: "POST", agent: false, headers: { "content-type": "application/json", "x-api-key": apiKey }, ...(secure ? { ca: cert.certPem } : {}) },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error("no answer in 5 s")));
    req.on("error", reject);
    req.end(SIGN_BODY);
  });
}

describe("plaintext beside TLS", () => {
  it("a Sign with an API key over plaintext HTTP/1.1 is refused with a 400 and signs nothing", async () => {
    const before = srv.server.stack.log.size;
    const r = await post(`http://127.0.0.1:${srv.port}/v1/sign`, false);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).message).toMatch(/TLS only/);
    await new Promise((res) => setTimeout(res, 200));
    expect(srv.server.stack.log.size).toBe(before);
  });

  it("h2c is cut before any stream is answered", async () => {
    const session = h2connect(`http://127.0.0.1:${srv.port}`);
    session.on("error", () => {});
    const outcome = await new Promise<string>((resolve) => {
      const stream = session.request({ ":method": "POST", ":path": "/v1/sign", "content-type": "application/json", "x-api-key": apiKey });
      stream.on("response", (h) => resolve(`response ${h[":status"]}`));
      stream.on("error", () => resolve("refused"));
      stream.on("close", () => resolve("refused"));
      stream.end(SIGN_BODY);
    });
    session.destroy();
    expect(outcome).toBe("refused");
  });

  it("TLS clients are served: a Sign over https works and /readyz answers", async () => {
    const r = await post(`${srv.url}/v1/sign`, true);
    expect(r.status).toBe(200);
    expect((await probeReadyz(srv.url, cert.certPem)).status).toBe(200);
  });
});
