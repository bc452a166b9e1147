/**
 * The Rekor v1-compatible API with a plain ECDSA key, as any Rekor client would use it: a
 * well-formed hashedrekord gets 201 with a SET that verifies under the served log key and an
 * inclusion proof against the signed checkpoint; the same entry again gets 409 with the existing
 * entry's location; lookups, proofs, search and hostile input behave as Rekor's API says.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify } from "node:crypto";
import { json } from "@sigstore/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashLeaf, verifyConsistency, verifyInclusion } from "../helpers/rfc6962.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import type { WireJson } from "../helpers/wire-json.js";

let srv: TestServer;
const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const publicPem = publicKey.export({ format: "pem", type: "spki" }).toString();

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.stop();
});

function hashedRekord(artifact: Buffer, key = privateKey, pem = publicPem) {
  const digest = createHash("sha256").update(artifact).digest();
  return {
    apiVersion: "0.0.1",
    kind: "hashedrekord",
    spec: {
      data: { hash: { algorithm: "sha256", value: digest.toString("hex") } },
      signature: { content: cryptoSign("sha256", artifact, key).toString("base64"), publicKey: { content: Buffer.from(pem).toString("base64") } },
    },
  };
}

async function post(path: string, body: unknown, raw?: string) {
  const res = await fetch(`${srv.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: raw ?? JSON.stringify(body) });
  return { status: res.status, headers: res.headers, json: (await res.json()) as WireJson };
}

async function get(path: string) {
  const res = await fetch(`${srv.url}${path}`);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : undefined };
}

describe("Rekor v1-compatible API", () => {
  it("POST /api/v1/log/entries: 201 with a verifiable SET and inclusion proof; the same entry again is 409", async () => {
    const artifact = Buffer.from(`rekor interop ${Date.now()}\n`);
    const proposed = hashedRekord(artifact);
    const created = await post("/api/v1/log/entries", proposed);
    expect(created.status).toBe(201);
    const [uuid, entry] = Object.entries(created.json)[0] as [string, WireJson];
    expect(uuid).toMatch(/^[0-9a-f]{64}$/);
    expect(created.headers.get("location")).toBe(`/api/v1/log/entries/${uuid}`);
    expect(created.headers.get("etag")).toBe(uuid);

    // The body is the canonical hashedrekord Rekor would store.
    const body = Buffer.from(entry.body, "base64");
    const parsed = JSON.parse(body.toString());
    expect(parsed.kind).toBe("hashedrekord");
    expect(parsed.spec.data.hash.value).toBe(proposed.spec.data.hash.value);
    expect(Buffer.from(json.canonicalize(parsed))).toEqual(body);
    expect(hashLeaf(body).toString("hex")).toBe(uuid);

    // SET: ECDSA over canonical {body, integratedTime, logID, logIndex} with the served log key.
    const logKeyPem = await get("/api/v1/log/publicKey");
    expect(logKeyPem.status).toBe(200);
    expect(logKeyPem.headers.get("content-type")).toBe("application/x-pem-file");
    const logKey = createPublicKey(logKeyPem.text);
    const spki = logKey.export({ format: "der", type: "spki" });
    expect(entry.logID).toBe(createHash("sha256").update(spki).digest("hex"));
    const setPayload = json.canonicalize({ body: entry.body, integratedTime: entry.integratedTime, logID: entry.logID, logIndex: entry.logIndex });
    expect(cryptoVerify("sha256", Buffer.from(setPayload), logKey, Buffer.from(entry.verification.signedEntryTimestamp, "base64"))).toBe(true);
    // A SET over a different index does not verify.
    const forged = json.canonicalize({ body: entry.body, integratedTime: entry.integratedTime, logID: entry.logID, logIndex: Number(entry.logIndex) + 1 });
    expect(cryptoVerify("sha256", Buffer.from(forged), logKey, Buffer.from(entry.verification.signedEntryTimestamp, "base64"))).toBe(false);

    // Inclusion proof (hex hashes) against the checkpoint's root, and the checkpoint is signed by the log key.
    const proof = entry.verification.inclusionProof;
    expect(proof.logIndex).toBe(entry.logIndex);
    const ok = verifyInclusion(
      Buffer.from(uuid, "hex"),
      proof.logIndex,
      proof.treeSize,
      proof.hashes.map((h: string) => Buffer.from(h, "hex")),
      Buffer.from(proof.rootHash, "hex"),
    );
    expect(ok).toBe(true);
    const [note, sigLine] = proof.checkpoint.split("\n\n");
    const [, size, root] = note.split("\n");
    expect(Number(size)).toBe(proof.treeSize);
    expect(Buffer.from(root, "base64").toString("hex")).toBe(proof.rootHash);
    const sig = Buffer.from(sigLine.trim().split(" ").at(-1), "base64");
    expect(sig.subarray(0, 4)).toEqual(Buffer.from(entry.logID, "hex").subarray(0, 4));
    expect(cryptoVerify("sha256", Buffer.from(`${note}\n`), logKey, sig.subarray(4))).toBe(true);

    // The same entry again: 409 with the existing entry's location, in Rekor's error shape.
    const again = await post("/api/v1/log/entries", proposed);
    expect(again.status).toBe(409);
    expect(again.json.code).toBe(409);
    expect(again.json.message).toContain(uuid);
    expect(again.headers.get("location")).toBe(`/api/v1/log/entries/${uuid}`);

    // Lookups by uuid, index, retrieve and the digest index.
    expect(Object.keys((await get(`/api/v1/log/entries/${uuid}`)).json)).toEqual([uuid]);
    expect(Object.keys((await get(`/api/v1/log/entries?logIndex=${entry.logIndex}`)).json)).toEqual([uuid]);
    const retrieved = await post("/api/v1/log/entries/retrieve", { entryUUIDs: [uuid], logIndexes: [entry.logIndex], entries: [proposed] });
    expect(retrieved.status).toBe(200);
    expect(retrieved.json.map((e: object) => Object.keys(e)[0])).toEqual([uuid, uuid, uuid]);
    const index = await post("/api/v1/index/retrieve", { hash: `sha256:${proposed.spec.data.hash.value}` });
    expect(index.json).toEqual([uuid]);
    expect((await post("/api/v1/index/retrieve", { hash: proposed.spec.data.hash.value })).json).toEqual([uuid]);
  });

  it("GET /api/v1/log and /api/v1/log/proof: a consistency proof between two signed tree heads", async () => {
    const first = (await get("/api/v1/log")).json;
    expect(first).toMatchObject({
      treeID: expect.stringMatching(/^\d+$/),
      signedTreeHead: expect.any(String),
      rootHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    for (let i = 0; i < 3; i++) expect((await post("/api/v1/log/entries", hashedRekord(Buffer.from(`grow ${i} ${Date.now()}`)))).status).toBe(201);
    const second = (await get("/api/v1/log")).json;
    expect(second.treeSize).toBe(Number(first.treeSize) + 3);
    const proof = await get(`/api/v1/log/proof?firstSize=${first.treeSize}&lastSize=${second.treeSize}`);
    expect(proof.status).toBe(200);
    expect(proof.json.rootHash).toBe(second.rootHash);
    const hashes = proof.json.hashes.map((h: string) => Buffer.from(h, "hex"));
    expect(verifyConsistency(first.treeSize, second.treeSize, Buffer.from(first.rootHash, "hex"), Buffer.from(second.rootHash, "hex"), hashes)).toBe(true);
    expect((await get(`/api/v1/log/proof?firstSize=1&lastSize=${Number(second.treeSize) + 5}`)).status).toBe(400);
    expect((await get("/api/v1/log/proof")).status).toBe(400);
  });

  it("refuses what Rekor refuses: a bad signature, the wrong key, unknown kinds, hostile JSON — 400 in Rekor's shape, never 500", async () => {
    const artifact = Buffer.from("refusals");
    const good = hashedRekord(artifact);
    const wrongKey = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const cases: Array<[string, unknown, string?]> = [
      ["signature by another key", hashedRekord(artifact, wrongKey.privateKey)],
      [
        "signature over other bytes",
        { ...good, spec: { ...good.spec, data: { hash: { algorithm: "sha256", value: createHash("sha256").update("other").digest("hex") } } } },
      ],
      ["unknown kind", { ...good, kind: "rpm" }],
      ["wrong version", { ...good, apiVersion: "0.0.2" }],
      ["no spec", { kind: "hashedrekord", apiVersion: "0.0.1" }],
      [
        "garbage key",
        {
          ...good,
          spec: {
            ...good.spec,
            signature: {
              content: good.spec.signature.content,
              publicKey: { content: Buffer.from("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").toString("base64") },
            },
          },
        },
      ],
      ["short hash", { ...good, spec: { ...good.spec, data: { hash: { algorithm: "sha256", value: "abcd" } } } }],
      [
        "dsse with a bad envelope",
        { kind: "dsse", apiVersion: "0.0.1", spec: { proposedContent: { envelope: "{", verifiers: [good.spec.signature.publicKey.content] } } },
      ],
      ["not JSON", undefined, "{"],
      ["deeply nested", undefined, "[".repeat(100_000)],
      ["array", []],
      ["null", null],
    ];
    for (const [name, body, raw] of cases) {
      const r = await post("/api/v1/log/entries", body, raw);
      expect([name, r.status]).toEqual([name, 400]);
      expect(r.json).toEqual({ code: 400, message: expect.any(String) });
    }
    const huge = await post("/api/v1/log/entries", undefined, JSON.stringify({ kind: "hashedrekord", pad: "x".repeat(5 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
    expect((await get("/api/v1/log/entries/zzzz")).status).toBe(400);
    expect((await get(`/api/v1/log/entries/${"0".repeat(64)}`)).status).toBe(404);
    expect((await get("/api/v1/log/entries?logIndex=99999999")).status).toBe(404);
    expect((await get("/api/v1/log/entries?logIndex=-1")).status).toBe(400);
    expect((await post("/api/v1/log/entries/retrieve", { entryUUIDs: Array(11).fill("0".repeat(64)) })).status).toBe(422);
    expect((await post("/api/v1/index/retrieve", {})).status).toBe(400);
    expect((await fetch(`${srv.url}/api/v1/log`, { method: "DELETE" })).status).toBe(405);
  });

  it("dsse/0.0.1: the envelope's signature is verified over the PAE; the body holds the hashes Rekor computes", async () => {
    const payload = Buffer.from(
      JSON.stringify({
        _type: "https://in-toto.io/Statement/v1",
        subject: [{ name: "a", digest: { sha256: "ab".repeat(32) } }],
        predicateType: "x",
        predicate: {},
      }),
    );
    const type = "application/vnd.in-toto+json";
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${payload.length} `), payload]);
    const envelope = JSON.stringify({
      payloadType: type,
      payload: payload.toString("base64"),
      signatures: [{ keyid: "", sig: cryptoSign("sha256", pae, privateKey).toString("base64") }],
    });
    const proposed = { kind: "dsse", apiVersion: "0.0.1", spec: { proposedContent: { envelope, verifiers: [Buffer.from(publicPem).toString("base64")] } } };
    const r = await post("/api/v1/log/entries", proposed);
    expect(r.status).toBe(201);
    const body = JSON.parse(Buffer.from((Object.values(r.json)[0] as WireJson).body, "base64").toString());
    expect(body.spec.payloadHash.value).toBe(createHash("sha256").update(payload).digest("hex"));
    expect(body.spec.envelopeHash.value).toBe(createHash("sha256").update(envelope).digest("hex"));
    expect(body.spec.signatures).toHaveLength(1);
    expect((await post("/api/v1/index/retrieve", { hash: `sha256:${"ab".repeat(32)}` })).json).toEqual([Object.keys(r.json)[0]]);
    const tampered = {
      ...proposed,
      spec: {
        proposedContent: {
          envelope: envelope.replace(payload.toString("base64"), Buffer.from("{}").toString("base64")),
          verifiers: proposed.spec.proposedContent.verifiers,
        },
      },
    };
    expect((await post("/api/v1/log/entries", tampered)).status).toBe(400);
  });

  it("TSA: DER and JSON timestamp requests; the cert chain is served", async () => {
    const chain = await get("/api/v1/timestamp/certchain");
    expect(chain.status).toBe(200);
    expect(chain.text.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    const res = await fetch(`${srv.url}/api/v1/timestamp`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ artifactHash: createHash("sha256").update("sig").digest("base64"), hashAlgorithm: "sha256", nonce: 42 }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("application/timestamp-reply");
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    const bad = await fetch(`${srv.url}/api/v1/timestamp`, { method: "POST", headers: { "content-type": "application/timestamp-query" }, body: "garbage" });
    expect(bad.status).toBe(400);
    const badJson = await fetch(`${srv.url}/api/v1/timestamp`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ artifactHash: "AAAA" }),
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ code: 400 });
  });
});
