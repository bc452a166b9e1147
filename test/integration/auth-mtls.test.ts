/**
 * mTLS: with TLS on and `--tls-client-ca`, a client certificate from that CA names the caller
 * (its SAN), mapped to scopes by the rules; a certificate from another CA, or none, is
 * unauthenticated. TLS below 1.2 is refused.
 */
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import { request } from "node:https";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:tls";
import * as x509 from "@peculiar/x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import type { WireJson } from "../helpers/wire-json.js";

x509.cryptoProvider.set(webcrypto);
const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DIGEST = `sha256:${"ef".repeat(32)}`;

interface Issued {
  cert: string;
  key: string;
  keys: webcrypto.CryptoKeyPair;
  x: x509.X509Certificate;
}

async function pemKey(k: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", k));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString("base64")
    .match(/.{1,64}/g)!
    .join("\n")}\n-----END PRIVATE KEY-----\n`;
}

async function makeCa(name: string): Promise<Issued> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
  const x = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3600_000),
    keys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  return { cert: x.toString("pem"), key: await pemKey(keys.privateKey), keys, x };
}

async function issue(ca: Issued, cn: string, san: x509.JsonGeneralName[], usage: "server" | "client"): Promise<Issued> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
  const x = await x509.X509CertificateGenerator.create({
    serialNumber: String(Math.floor(Math.random() * 1e9)),
    subject: `CN=${cn}`,
    issuer: ca.x.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3600_000),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.SubjectAlternativeNameExtension(san),
      new x509.ExtendedKeyUsageExtension([usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return { cert: x.toString("pem"), key: await pemKey(keys.privateKey), keys, x };
}

let srv: TestServer;
let serverCa: Issued;
let builder: Issued;
let reader: Issued;
let stranger: Issued;

function post(path: string, body: unknown, client?: Issued): Promise<{ status: number; json: WireJson }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${srv.url}${path}`,
      { method: "POST", ca: serverCa.cert, headers: { "content-type": "application/json" }, ...(client ? { cert: client.cert, key: client.key } : {}) },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

beforeAll(async () => {
  const dir = tempDir();
  serverCa = await makeCa("certus test server CA");
  const clientCa = await makeCa("certus test client CA");
  const otherCa = await makeCa("someone else's CA");
  const server = await issue(
    serverCa,
    "localhost",
    [
      { type: "ip", value: "127.0.0.1" },
      { type: "dns", value: "localhost" },
    ],
    "server",
  );
  builder = await issue(clientCa, "builder", [{ type: "url", value: "spiffe://certus/ci/builder" }], "client");
  reader = await issue(clientCa, "transform.certus.internal", [{ type: "dns", value: "transform.certus.internal" }], "client");
  stranger = await issue(otherCa, "builder", [{ type: "url", value: "spiffe://certus/ci/builder" }], "client");
  const files = { cert: join(dir, "server.pem"), key: join(dir, "server.key"), ca: join(dir, "client-ca.pem"), rules: join(dir, "rules.yaml") };
  writeFileSync(files.cert, server.cert);
  writeFileSync(files.key, server.key);
  writeFileSync(files.ca, clientCa.cert);
  writeFileSync(
    files.rules,
    [
      "mtls:",
      '  - san: "URI:spiffe://certus/ci/builder"',
      "    scopes: [sign, verify, read]",
      "  - commonName: transform.certus.internal",
      "    scopes: [verify, read]",
      "",
    ].join("\n"),
  );
  srv = await startTestServer({ auth: "mtls,api-key", "tls-cert": files.cert, "tls-key": files.key, "tls-client-ca": files.ca, "auth-rules": files.rules });
});
afterAll(async () => {
  await srv?.stop();
});

describe("mTLS client certificates", () => {
  it("a trusted client certificate with the sign scope signs; the audit event names its SAN", async () => {
    const r = await post("/v1/sign", { artifact: { digest: DIGEST } }, builder);
    expect(r.status).toBe(200);
    const statement = JSON.parse(Buffer.from(r.json.bundle.dsseEnvelope.payload, "base64").toString());
    expect(statement.predicate.requester).toBe("mtls:spiffe://certus/ci/builder");
    await new Promise((res) => setTimeout(res, 50));
    const events = readFileSync(join(srv.dataDir, "audit.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events.at(-1)).toMatchObject({ action: "sign", verdict: "allowed", caller: "mtls:spiffe://certus/ci/builder" });
  });

  it("a trusted certificate without the sign scope is permission_denied", async () => {
    const r = await post("/v1/sign", { artifact: { digest: DIGEST } }, reader);
    expect(r.status).toBe(403);
  });

  it("a certificate from another CA, or none, is unauthenticated", async () => {
    const r = await post("/v1/sign", { artifact: { digest: DIGEST } }, stranger);
    expect(r.status).toBe(401);
    expect(r.json.message).toMatch(/client CA/);
    expect((await post("/v1/sign", { artifact: { digest: DIGEST } })).status).toBe(401);
  });

  it("TLS below 1.2 is refused", async () => {
    const port = new URL(srv.url).port;
    const outcome = await new Promise<string>((resolve) => {
      const s = connect({ host: "127.0.0.1", port: Number(port), ca: serverCa.cert, maxVersion: "TLSv1.1", minVersion: "TLSv1" }, () => {
        s.destroy();
        resolve("connected");
      });
      s.on("error", () => resolve("refused"));
    });
    expect(outcome).toBe("refused");
  });
});
