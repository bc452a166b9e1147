/**
 * Issue #14, findings 2 and 5: with `--auth`, the Rekor-compatible write path takes entries only
 * from signers this instance certified (a certificate from our Fulcio endpoint, valid now) or from
 * callers with the RPCs' credentials and the `sign` scope; anything else is a 401 with a message
 * and the log does not grow. Entries are stored canonically within a size limit (a repeated
 * signature or a huge certificate is refused, not stored many times over); writes are limited per
 * address and per writer (rate and hourly bytes); a full log makes `/readyz` say so. The read paths
 * need the `read` scope, as GetTransparency does.
 */
import { createHash, generateKeyPairSync, sign as cryptoSign, webcrypto, type KeyObject } from "node:crypto";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyStore } from "../../src/state/file/api-key-store.js";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import { probeReadyz } from "./attack-support.js";
import type { WireJson } from "../helpers/wire-json.js";

x509.cryptoProvider.set(webcrypto);
const EMAIL = "alice@example.com";

let idp: TestOidcProvider;
let a: TestServer;
let b: TestServer;
const keysA: Record<string, Record<string, string>> = {};
const keysB: Record<string, Record<string, string>> = {};

beforeAll(async () => {
  idp = await startOidcProvider();
  const dirA = tempDir();
  const dirB = tempDir();
  keysA["signer"] = { "x-api-key": ApiKeyStore.open(dirA).create("signer", ["sign"]).key };
  keysA["reader"] = { "x-api-key": ApiKeyStore.open(dirA).create("reader", ["read"]).key };
  keysB["signer"] = { "x-api-key": ApiKeyStore.open(dirB).create("signer", ["sign", "read"]).key };
  [a, b] = await Promise.all([
    startTestServer({ auth: "api-key", "oidc-issuers": idp.issuer }, dirA),
    startTestServer(
      {
        auth: "api-key",
        "compat-write-rate": "20",
        "compat-write-quota-bytes": "16384",
        "log-max-bytes": "262144",
        "rate-limit": "1000",
        "rate-limit-burst": "1000",
      },
      dirB,
    ),
  ]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await idp?.stop();
});

function keyPair() {
  return generateKeyPairSync("ec", { namedCurve: "P-256" });
}

/** A hashedrekord proposed entry over fresh bytes, signed by `key`, with `verifierPem` as its verifier. */
function hashedRekord(key: KeyObject, verifierPem: string) {
  const artifact = Buffer.from(`attack ${Math.random()}`);
  return {
    apiVersion: "0.0.1",
    kind: "hashedrekord",
    spec: {
      data: { hash: { algorithm: "sha256", value: createHash("sha256").update(artifact).digest("hex") } },
      signature: { content: cryptoSign("sha256", artifact, key).toString("base64"), publicKey: { content: Buffer.from(verifierPem).toString("base64") } },
    },
  };
}

async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as WireJson, headers: res.headers };
}

/** A certificate from server `base`'s Fulcio endpoint for a fresh key, with the key. */
async function certified(base: string) {
  const { privateKey, publicKey } = keyPair();
  const r = await post(base, "/api/v2/signingCert", {
    credentials: { oidcIdentityToken: await idp.mintIdToken({ email: EMAIL }) },
    publicKeyRequest: {
      publicKey: { algorithm: "ECDSA", content: publicKey.export({ format: "pem", type: "spki" }).toString() },
      proofOfPossession: cryptoSign("sha256", Buffer.from(EMAIL), privateKey).toString("base64"),
    },
  });
  expect(r.status).toBe(200);
  return { privateKey, certPem: (r.json.signedCertificateEmbeddedSct ?? r.json.signedCertificateDetachedSct).chain.certificates[0] as string };
}

async function selfSignedCertificate(extraBytes = 0) {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "02",
    name: "CN=mallory",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: "email", value: EMAIL }]),
      ...(extraBytes > 0 ? [new x509.Extension("1.3.6.1.4.1.99999.1", false, new Uint8Array(extraBytes).fill(0x41))] : []),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  const { createPrivateKey } = await import("node:crypto");
  return { privateKey: createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }), certPem: cert.toString("pem") };
}

describe("writes to the log of a server with --auth", () => {
  it("an anonymous hashedrekord with a throwaway key is 401 with a message, and the log does not grow", async () => {
    const before = a.server.stack.log.size;
    const { privateKey, publicKey } = keyPair();
    for (let i = 0; i < 5; i++) {
      const r = await post(a.url, "/api/v1/log/entries", hashedRekord(privateKey, publicKey.export({ format: "pem", type: "spki" }).toString()));
      expect(r.status).toBe(401);
      expect(r.json.message).toMatch(/certified by this instance.*bare public key/);
    }
    const selfSigned = await selfSignedCertificate();
    const r = await post(a.url, "/api/v1/log/entries", hashedRekord(selfSigned.privateKey, selfSigned.certPem));
    expect(r.status).toBe(401);
    expect(r.json.message).toMatch(/not issued by this instance's CA/);
    expect(a.server.stack.log.size).toBe(before);
  });

  it("an entry whose certificate our Fulcio issued is taken without credentials, and recorded with its writer", async () => {
    const { privateKey, certPem } = await certified(a.url);
    const r = await post(a.url, "/api/v1/log/entries", hashedRekord(privateKey, certPem));
    expect(r.status).toBe(201);
    const line = a.logs.find((l) => l.includes("rekor entry appended") && l.includes(`certificate:${EMAIL}`));
    expect(line).toBeDefined();
  });

  it("a caller with the sign scope may append any verified entry; one without it is 403; a bad key 401", async () => {
    const { privateKey, publicKey } = keyPair();
    const pem = publicKey.export({ format: "pem", type: "spki" }).toString();
    expect((await post(a.url, "/api/v1/log/entries", hashedRekord(privateKey, pem), keysA["signer"])).status).toBe(201);
    const denied = await post(a.url, "/api/v1/log/entries", hashedRekord(privateKey, pem), keysA["reader"]);
    expect(denied.status).toBe(403);
    expect(denied.json.message).toMatch(/"sign" scope/);
    expect((await post(a.url, "/api/v1/log/entries", hashedRekord(privateKey, pem), { "x-api-key": "ctk_nonsense" })).status).toBe(401);
  });

  it("no amplification: a DSSE envelope repeating one signature, or a huge certificate, is refused and not stored", async () => {
    const before = a.server.stack.log.size;
    const { privateKey, publicKey } = keyPair();
    const payload = Buffer.from(JSON.stringify({ _type: "https://in-toto.io/Statement/v1", subject: [{ name: "x", digest: { sha256: "ab".repeat(32) } }] }));
    const payloadType = "application/vnd.in-toto+json";
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${payload.length} `), payload]);
    const sig = cryptoSign("sha256", pae, privateKey).toString("base64");
    const dsse = (sigs: string[], verifierPem: string) => ({
      apiVersion: "0.0.1",
      kind: "dsse",
      spec: {
        proposedContent: {
          envelope: JSON.stringify({ payloadType, payload: payload.toString("base64"), signatures: sigs.map((s) => ({ sig: s })) }),
          verifiers: [Buffer.from(verifierPem).toString("base64")],
        },
      },
    });
    const pem = publicKey.export({ format: "pem", type: "spki" }).toString();
    const repeated = await post(a.url, "/api/v1/log/entries", dsse(Array(16).fill(sig), pem), keysA["signer"]);
    expect(repeated.status).toBe(400);
    expect(repeated.json.message).toMatch(/repeats an earlier signature/);
    const huge = await selfSignedCertificate(18 * 1024);
    const big = await post(a.url, "/api/v1/log/entries", hashedRekord(huge.privateKey, huge.certPem), keysA["signer"]);
    expect(big.status).toBe(413);
    expect(big.json.message).toMatch(/at most 16384/);
    expect(a.server.stack.log.size).toBe(before);
  });
});

describe("reads of the log of a server with --auth", () => {
  it("every read path needs the read scope; the public key stays open", async () => {
    const { privateKey, certPem } = await certified(a.url);
    const created = await post(a.url, "/api/v1/log/entries", hashedRekord(privateKey, certPem));
    const uuid = Object.keys(created.json)[0]!;
    const reads: [string, string, unknown?][] = [
      ["POST", "/api/v1/index/retrieve", { email: EMAIL }],
      ["POST", "/api/v1/index/retrieve", { hash: `sha256:${"ab".repeat(32)}` }],
      ["GET", `/api/v1/log/entries/${uuid}`],
      ["GET", "/api/v1/log/entries?logIndex=0"],
      ["POST", "/api/v1/log/entries/retrieve", { entryUUIDs: [uuid] }],
      ["GET", "/api/v1/log"],
      ["GET", "/api/v1/log/proof?lastSize=1"],
    ];
    for (const [method, path, body] of reads) {
      const send = (headers: Record<string, string>) =>
        fetch(`${a.url}${path}`, { method, headers: { "content-type": "application/json", ...headers }, ...(body ? { body: JSON.stringify(body) } : {}) });
      const anonymous = await send({});
      expect(anonymous.status, `${method} ${path}`).toBe(401);
      expect(((await anonymous.json()) as WireJson).message).toMatch(/authentication required/);
      expect((await send(keysA["signer"]!)).status, `${method} ${path} with a sign-only key`).toBe(403);
      expect((await send(keysA["reader"]!)).status, `${method} ${path} with a read key`).toBe(200);
    }
    expect((await fetch(`${a.url}/api/v1/log/publicKey`)).status).toBe(200);
  });
});

describe("limits on log writes", () => {
  it("per address: a burst of writes past the rate gets 429 with retry-after", async () => {
    const { privateKey, publicKey } = keyPair();
    const pem = publicKey.export({ format: "pem", type: "spki" }).toString();
    // All at once, so the outcome does not depend on how fast this machine sends them.
    const replies = await Promise.all(Array.from({ length: 80 }, () => post(b.url, "/api/v1/log/entries", hashedRekord(privateKey, pem))));
    const statuses = replies.map((r) => r.status);
    const retryAfter = replies.find((r) => r.status === 429)?.headers.get("retry-after") ?? null;
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(40);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it("per writer: past its hourly bytes, a writer gets 429 saying the quota is used up", async () => {
    await new Promise((r) => setTimeout(r, 2_100)); // let the address bucket refill
    const { privateKey, publicKey } = keyPair();
    const pem = publicKey.export({ format: "pem", type: "spki" }).toString();
    let quotaMessage: string | undefined;
    for (let i = 0; i < 40 && quotaMessage === undefined; i++) {
      const r = await post(b.url, "/api/v1/log/entries", hashedRekord(privateKey, pem), keysB["signer"]);
      if (r.status === 429 && /quota/.test(r.json.message)) quotaMessage = r.json.message;
      else if (r.status === 429) await new Promise((res) => setTimeout(res, Number(r.headers.get("retry-after")) * 1000));
      else expect(r.status).toBe(201);
    }
    expect(quotaMessage).toMatch(/16384 stored bytes per hour/);
  });

  it("a full log makes /readyz say not ready, naming the log, and it still answers fast", async () => {
    const sign = () =>
      fetch(`${b.url}/v1/sign`, {
        method: "POST",
        headers: { "content-type": "application/json", ...keysB["signer"] },
        body: JSON.stringify({ artifact: { digest: `sha256:${createHash("sha256").update(String(Math.random())).digest("hex")}` } }),
      });
    let full = false;
    for (let i = 0; i < 400 && !full; i++) {
      const r = await sign();
      if (r.status === 503) full = true;
      await r.arrayBuffer();
    }
    expect(full).toBe(true);
    const probe = await probeReadyz(b.url);
    expect(probe.status).toBe(503);
    expect(probe.ms).toBeLessThan(500);
    const report = (await (await fetch(`${b.url}/readyz`)).json()) as WireJson;
    expect(report.components["transparency-log"].status).toBe("not serving");
    expect(report.components["transparency-log"].detail).toMatch(/full/);
  });
});
