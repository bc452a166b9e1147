/**
 * Issue #14, finding 4: entries planted under one digest cannot make an ordinary lookup use
 * gigabytes. 200 entries of about 14 KB each (a certificate with a large extension, the most the
 * log now stores per entry) all name one digest; a `GetTransparency` by that digest with
 * `pageSize=500` answers a page of at most 512 KiB of entries with a token, following the tokens
 * returns every entry exactly once, the Rekor index search returns all UUIDs, memory stays
 * bounded, and `/readyz` answers within 500 ms while the lookups run.
 */
import { createHash, createPrivateKey, sign as cryptoSign, webcrypto } from "node:crypto";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { probeReadyz } from "./attack-support.js";

x509.cryptoProvider.set(webcrypto);
const PLANTED = 200;
const ARTIFACT = Buffer.from("one artifact everyone names");
const HEX = createHash("sha256").update(ARTIFACT).digest("hex");

let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer();
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "03",
    name: "CN=planter",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    keys,
    signingAlgorithm: alg,
    extensions: [new x509.Extension("1.3.6.1.4.1.99999.2", false, new Uint8Array(7_500).fill(0x42))],
  });
  const key = createPrivateKey({
    key: Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)),
    format: "der",
    type: "pkcs8",
  });
  const content = Buffer.from(cert.toString("pem")).toString("base64");
  for (let i = 0; i < PLANTED; i += 20) {
    const batch = Array.from({ length: Math.min(20, PLANTED - i) }, async () => {
      const res = await fetch(`${srv.url}/api/v1/log/entries`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          apiVersion: "0.0.1",
          kind: "hashedrekord",
          spec: {
            data: { hash: { algorithm: "sha256", value: HEX } },
            signature: { content: cryptoSign("sha256", ARTIFACT, key).toString("base64"), publicKey: { content } },
          },
        }),
      });
      expect(res.status).toBe(201);
      await res.arrayBuffer();
    });
    await Promise.all(batch);
  }
});
afterAll(async () => {
  await srv?.stop();
});

describe("lookups over planted entries", () => {
  it("a page is bounded in bytes and count, the tokens reach every entry once, /readyz stays fast", async () => {
    const rssBefore = process.memoryUsage().rss;
    const seen = new Set<string>();
    let token = "";
    let pages = 0;
    let largest = 0;
    const probes: number[] = [];
    let done = false;
    const prober = (async () => {
      while (!done) {
        probes.push((await probeReadyz(srv.url)).ms);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      do {
        const res = await fetch(`${srv.url}/v1/transparency?digest=sha256:${HEX}&pageSize=500${token ? `&pageToken=${encodeURIComponent(token)}` : ""}`);
        const text = await res.text();
        expect(res.status, text.slice(0, 200)).toBe(200);
        largest = Math.max(largest, text.length);
        const page = JSON.parse(text) as { entries: { uuid: string }[]; nextPageToken: string };
        for (const e of page.entries) {
          expect(seen.has(e.uuid)).toBe(false);
          seen.add(e.uuid);
        }
        token = page.nextPageToken;
        pages++;
      } while (token !== "" && pages < 40);
    } finally {
      done = true;
      await prober;
    }
    expect(seen.size).toBe(PLANTED);
    expect(pages).toBeGreaterThan(1);
    // 512 KiB of entries, base64 in JSON (4/3) plus field names.
    expect(largest).toBeLessThan(900 * 1024);
    expect(Math.max(...probes)).toBeLessThan(500);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(300 * 1024 * 1024);
  });

  it("the default page is bounded too, and the Rekor index search lists every UUID", async () => {
    const res = await fetch(`${srv.url}/v1/transparency?digest=sha256:${HEX}`);
    const page = (await res.json()) as { entries: unknown[]; nextPageToken: string };
    expect(page.entries.length).toBeLessThanOrEqual(50);
    expect(page.nextPageToken).not.toBe("");
    const uuids = (await (
      await fetch(`${srv.url}/api/v1/index/retrieve`, { method: "POST", body: JSON.stringify({ hash: `sha256:${HEX}` }) })
    ).json()) as string[];
    expect(uuids).toHaveLength(PLANTED);
  });
});
