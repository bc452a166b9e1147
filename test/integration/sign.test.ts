/**
 * Sign on the embedded stack: bundles of both formats verify with unmodified @sigstore/verify
 * against the served trusted root, tampering fails, proofs check out under an independent
 * RFC 6962 verifier, concurrent signs get gap-free indexes, and a restart keeps the tree.
 */
import { createHash, createPublicKey, verify as cryptoVerify } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchTrustedRoot, stockVerify } from "../helpers/sigstore.js";
import { hashLeaf, verifyInclusion } from "../helpers/rfc6962.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import type { WireJson } from "../helpers/wire-json.js";

let srv: TestServer;
let trustedRoot: unknown;
const ARTIFACT = Buffer.from("certus scan report 42\n");
const DIGEST = `sha256:${createHash("sha256").update(ARTIFACT).digest("hex")}`;

interface SignJson {
  bundle: {
    verificationMaterial: { tlogEntries: Array<Record<string, WireJson>>; timestampVerificationData: { rfc3161Timestamps: unknown[] } };
    dsseEnvelope?: { payload: string; signatures: Array<{ sig: string }> };
    messageSignature?: { signature: string; messageDigest: { digest: string } };
  };
  entry: { logIndex: string; uuid: string; integratedTime: string };
  signer: { subject: string; issuer: string };
}

async function sign(body: unknown): Promise<{ status: number; json: WireJson }> {
  const res = await fetch(`${srv.url}/v1/sign`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

const policy = () => ({ subjectAlternativeName: "certus-trust@certus.cloud", extensions: { issuer: srv.url } });

beforeAll(async () => {
  srv = await startTestServer();
  trustedRoot = await fetchTrustedRoot(srv.url);
});
afterAll(async () => {
  await srv?.stop();
});

function flipBase64(b64: string, at = 10): string {
  const buf = Buffer.from(b64, "base64");
  buf[at % buf.length]! ^= 0x01;
  return buf.toString("base64");
}

describe("Sign (embedded stack)", () => {
  it("DSSE: a v0.3 bundle over an in-toto statement naming the artifact, verified by stock @sigstore/verify", async () => {
    const r = await sign({ artifact: { uri: "s3://certus-artifacts/scans/42.json", digest: DIGEST } });
    expect(r.status).toBe(200);
    const out = r.json as SignJson;
    expect(out.signer).toEqual({ subject: "certus-trust@certus.cloud", issuer: srv.url });
    expect(out.entry.uuid).toMatch(/^[0-9a-f]{64}$/);
    expect(out.bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps).toHaveLength(1);
    const statement = JSON.parse(Buffer.from(out.bundle.dsseEnvelope!.payload, "base64").toString());
    expect(statement._type).toBe("https://in-toto.io/Statement/v1");
    expect(statement.subject).toEqual([{ name: "s3://certus-artifacts/scans/42.json", digest: { sha256: DIGEST.slice(7) } }]);
    expect(statement.predicateType).toBe("https://certus.cloud/trust/outer-signature/v1");
    expect(statement.predicate.requester).toBeTypeOf("string");
    stockVerify(trustedRoot, out.bundle, undefined, policy());
    // Another identity or issuer is refused by the stock verifier.
    expect(() => stockVerify(trustedRoot, out.bundle, undefined, { subjectAlternativeName: "someone-else@certus.cloud" })).toThrow();
    expect(() => stockVerify(trustedRoot, out.bundle, undefined, { extensions: { issuer: "https://other" } })).toThrow();
  });

  it("message signature from the digest alone verifies over the artifact bytes", async () => {
    const r = await sign({ artifact: { digest: DIGEST }, format: "SIGNATURE_FORMAT_MESSAGE_SIGNATURE" });
    expect(r.status).toBe(200);
    const out = r.json as SignJson;
    expect(out.bundle.messageSignature).toBeDefined();
    expect(out.bundle.verificationMaterial.tlogEntries[0]!.kindVersion).toEqual({ kind: "hashedrekord", version: "0.0.1" });
    stockVerify(trustedRoot, out.bundle, ARTIFACT, policy());
    expect(() => stockVerify(trustedRoot, out.bundle, Buffer.from("other bytes"), policy())).toThrow();
  });

  it("one flipped byte in the signature, the body, the proof or the SET fails stock verification", async () => {
    // A few entries first, so every proof below has a non-empty audit path.
    for (let i = 0; i < 3; i++) await sign({ artifact: { digest: DIGEST } });
    for (const format of ["SIGNATURE_FORMAT_DSSE", "SIGNATURE_FORMAT_MESSAGE_SIGNATURE"]) {
      const { status, json } = await sign({ artifact: { digest: DIGEST }, format });
      expect(status, JSON.stringify(json)).toBe(200);
      const good = json.bundle;
      const artifact = format === "SIGNATURE_FORMAT_DSSE" ? undefined : ARTIFACT;
      stockVerify(trustedRoot, good, artifact, policy());
      const mutations: Array<(b: WireJson) => void> = [
        (b) =>
          b.dsseEnvelope
            ? (b.dsseEnvelope.signatures[0].sig = flipBase64(b.dsseEnvelope.signatures[0].sig))
            : (b.messageSignature.signature = flipBase64(b.messageSignature.signature)),
        (b) => (b.verificationMaterial.tlogEntries[0].canonicalizedBody = flipBase64(b.verificationMaterial.tlogEntries[0].canonicalizedBody, 40)),
        (b) => {
          // The stock verifier takes the root from the checkpoint, so tamper with the audit path.
          const hashes: string[] = b.verificationMaterial.tlogEntries[0].inclusionProof.hashes;
          expect(hashes.length).toBeGreaterThan(0);
          hashes[0] = flipBase64(hashes[0]!, 3);
        },
        (b) =>
          (b.verificationMaterial.tlogEntries[0].inclusionPromise.signedEntryTimestamp = flipBase64(
            b.verificationMaterial.tlogEntries[0].inclusionPromise.signedEntryTimestamp,
            20,
          )),
        (b) => (b.verificationMaterial.tlogEntries[0].integratedTime = String(Number(b.verificationMaterial.tlogEntries[0].integratedTime) + 1)),
      ];
      for (const [i, mutate] of mutations.entries()) {
        const bad = structuredClone(good);
        mutate(bad);
        expect(() => stockVerify(trustedRoot, bad, artifact, policy()), `${format} mutation ${i}`).toThrow();
      }
    }
  });

  it("inclusion proofs recompute to the checkpoint root (independent RFC 6962), and the checkpoint signature verifies", async () => {
    const keys = (await (await fetch(`${srv.url}/v1/keys`)).json()) as { keys: Array<{ purpose: string; publicKey: string }> };
    const logKey = createPublicKey(keys.keys.find((k) => k.purpose === "TLOG")!.publicKey);
    const { json } = await sign({ artifact: { digest: DIGEST } });
    const entry = json.bundle.verificationMaterial.tlogEntries[0];
    const proof = entry.inclusionProof;
    const leaf = hashLeaf(Buffer.from(entry.canonicalizedBody, "base64"));
    expect(leaf.toString("hex")).toBe(json.entry.uuid);
    const hashes = proof.hashes.map((h: string) => Buffer.from(h, "base64"));
    expect(verifyInclusion(leaf, Number(proof.logIndex), Number(proof.treeSize), hashes, Buffer.from(proof.rootHash, "base64"))).toBe(true);
    // Changing one proof hash breaks it (when the path is not empty).
    if (hashes.length > 0) {
      const bad = hashes.map((h: Buffer) => Buffer.from(h));
      bad[0]![0] ^= 1;
      expect(verifyInclusion(leaf, Number(proof.logIndex), Number(proof.treeSize), bad, Buffer.from(proof.rootHash, "base64"))).toBe(false);
    }
    // Checkpoint: "<origin>\n<size>\n<root b64>\n\n— <name> <b64(keyhint||sig)>\n"
    const note: string = proof.checkpoint.envelope;
    const [body, sigLine] = note.split("\n\n");
    const lines = body!.split("\n");
    expect(lines[1]).toBe(proof.treeSize);
    expect(lines[2]).toBe(proof.rootHash);
    const sigBytes = Buffer.from(sigLine!.trim().split(" ")[2]!, "base64");
    expect(cryptoVerify("sha256", Buffer.from(body! + "\n"), logKey, sigBytes.subarray(4))).toBe(true);
  });

  it("rejects a bad digest, an empty URI scheme and an unknown format, naming the field", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ artifact: { digest: "sha256:xyz" } }, /artifact\.digest/],
      [{ artifact: { digest: "md5:" + "a".repeat(32) } }, /artifact\.digest/],
      [{ artifact: { uri: "no-scheme/path", digest: DIGEST } }, /artifact\.uri/],
      [{ artifact: { digest: DIGEST }, format: 7 }, /format/],
      [{}, /artifact/],
    ];
    for (const [body, field] of cases) {
      const r = await sign(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.code).toBe("invalid_argument");
      expect(r.json.message).toMatch(field);
    }
  });

  it("200 concurrent signs all succeed with distinct, gap-free log indexes; a restart keeps the tree", async () => {
    const before = srv.server.stack.log.size;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        sign({ artifact: { uri: `oci://registry/app@${i}`, digest: `sha256:${createHash("sha256").update(String(i)).digest("hex")}` } }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const indexes = results.map((r) => Number(r.json.entry.logIndex)).sort((a, b) => a - b);
    expect(indexes).toEqual(Array.from({ length: 200 }, (_, i) => before + i));
    const size = srv.server.stack.log.size;
    const root = srv.server.stack.log.latestCheckpoint().rootHash.toString("hex");

    const dataDir = srv.dataDir;
    await srv.server.close();
    srv = await startTestServer({}, dataDir);
    expect(srv.server.stack.log.size).toBe(size);
    expect(srv.server.stack.log.latestCheckpoint().rootHash.toString("hex")).toBe(root);
    // The trusted root is the same after a restart.
    expect(await fetchTrustedRoot(srv.url)).toEqual(trustedRoot);
    const next = await sign({ artifact: { digest: DIGEST } });
    expect(Number(next.json.entry.logIndex)).toBe(size);
    // The old tree is a prefix of the new one.
    const consistency = srv.server.stack.log.consistencyProof(size, size + 1);
    expect(consistency.firstRootHash.toString("hex")).toBe(root);
  });

  it("key files are 0600 in a 0700 directory, and no private key reaches the logs", async () => {
    const keyDir = join(srv.dataDir, "keys");
    expect(statSync(srv.dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(keyDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(keyDir);
    // CA root and intermediate, transparency log, TSA root and signer, CT log.
    expect(files.filter((f) => f.endsWith(".key.pem")).length).toBe(6);
    expect(files).toContain("ctlog.key.pem");
    expect(statSync(join(srv.dataDir, "ctlog", "1")).mode & 0o777).toBe(0o700);
    for (const f of files) expect(statSync(join(keyDir, f)).mode & 0o777, f).toBe(0o600);
    const all = srv.logs.join("\n");
    expect(all).not.toMatch(/PRIVATE KEY/);
    for (const f of files.filter((n) => n.endsWith(".key.pem"))) {
      const { readFileSync } = await import("node:fs");
      const b64 = readFileSync(join(keyDir, f), "utf8")
        .split("\n")
        .filter((l) => !l.startsWith("-----"))
        .join("");
      expect(all.includes(b64.slice(0, 40))).toBe(false);
    }
  });
});
