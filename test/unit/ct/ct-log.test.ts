/**
 * The embedded CT log and the CA's precertificate flow, in-process: the final certificate is the
 * precertificate with the poison swapped for the SCT list and nothing else changed; the SCT
 * verifies (independent monitor code); the log refuses what is not a precertificate of a CA it
 * accepts, never reopens under another key, and keeps its tree across a reopen.
 */
import { X509Certificate, generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedCA } from "../../../src/sigstore/embedded/ca.js";
import { EmbeddedCtLog } from "../../../src/sigstore/embedded/ct/ct-log.js";
import { KeyStore } from "../../../src/sigstore/keys/key-store.js";
import { ctLogKey, embeddedScts, issuerKeyHash, merkleLeafOf, precertTbs, sctSignatureValid } from "../../helpers/ct-monitor.js";
import { hashLeaf, verifyInclusion } from "../../helpers/rfc6962.js";

let dir: string;
let keys: KeyStore;
let ctLog: EmbeddedCtLog;
let ca: EmbeddedCA;
let plainCa: EmbeddedCA;
const leafKey = () => {
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return publicKey.export({ type: "spki", format: "der" });
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "certus-ct-"));
  keys = await KeyStore.open(dir);
  const caOptions = { directory: keys.directory, rootKey: keys.signer("ca-root"), intermediateKey: keys.signer("ca-intermediate") };
  plainCa = await EmbeddedCA.open(caOptions);
  ctLog = await EmbeddedCtLog.open({
    directory: path.join(dir, "ctlog", "1"),
    signer: keys.signer("ctlog"),
    acceptedRoots: () => [new Uint8Array(plainCa.root.rawData)],
  });
  ca = await EmbeddedCA.open({ ...caOptions, ctLog });
});
afterAll(async () => {
  await ctLog?.close();
  await rm(dir, { recursive: true, force: true });
});

const spkiKey = () => ctLogKey({ publicKey: { rawBytes: keys.signer("ctlog").publicKeySpki.toString("base64") } });

describe("precertificate flow", () => {
  it("the leaf embeds one valid SCT, has no poison, verifies under the intermediate, and its leaf is in the log", async () => {
    const issued = await ca.issueLeaf({ publicKey: leafKey(), identity: "alice@example.com", oidcIssuer: "https://issuer.example" });
    expect(issued.embeddedSct).toBe(true);
    expect(issued.certificatePem.endsWith("-----END CERTIFICATE-----\n")).toBe(true);
    const leaf = new X509Certificate(issued.certificateDer);
    expect(leaf.verify(new X509Certificate(Buffer.from(ca.intermediate.rawData)).publicKey)).toBe(true);
    const scts = embeddedScts(issued.certificateDer);
    expect(scts).toHaveLength(1);
    expect(scts[0]!.logId.equals(ctLog.logId)).toBe(true);
    const tbs = precertTbs(issued.certificateDer);
    const keyHash = issuerKeyHash(Buffer.from(ca.intermediate.rawData));
    expect(sctSignatureValid(scts[0]!, keyHash, tbs, spkiKey())).toBe(true);
    const sth = ctLog.latestSth();
    const leafInput = merkleLeafOf(scts[0]!, keyHash, tbs);
    const proof = ctLog.proofByHash(hashLeaf(leafInput), sth.treeSize);
    expect(verifyInclusion(hashLeaf(leafInput), proof.leafIndex, sth.treeSize, proof.auditPath, sth.rootHash)).toBe(true);
  });

  it("a CA without a CT log issues leaves without SCTs (as before)", async () => {
    const issued = await plainCa.issueLeaf({ publicKey: leafKey(), identity: "bob@example.com", oidcIssuer: "https://issuer.example" });
    expect(issued.embeddedSct).toBe(false);
    expect(embeddedScts(issued.certificateDer)).toEqual([]);
  });

  it("issuing with the CT log costs a few ECDSA signatures and one commit more (figures printed)", async () => {
    const time = async (authority: EmbeddedCA, n: number) => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await authority.issueLeaf({ publicKey: leafKey(), identity: `t${i}@example.com`, oidcIssuer: "https://issuer.example" });
      return (performance.now() - t0) / n;
    };
    const without = await time(plainCa, 20);
    const withCt = await time(ca, 20);
    console.log(
      `[ct] leaf issuance: ${without.toFixed(2)} ms without a CT log, ${withCt.toFixed(2)} ms with (precertificate, SCT, STH, commit, final certificate)`,
    );
    expect(withCt).toBeGreaterThan(0);
  });
});

describe("what the CT log refuses", () => {
  const chain = () => ca.chainDer().map((c) => new Uint8Array(c));

  it("a certificate without the poison extension", async () => {
    const plain = await plainCa.issueLeaf({ publicKey: leafKey(), identity: "carol@example.com", oidcIssuer: "https://issuer.example" });
    await expect(ctLog.submit(plain.certificateDer, chain())).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("poison") });
  });

  it("a chain that does not end at an accepted root, or does not sign the precertificate", async () => {
    const other = await mkdtemp(path.join(tmpdir(), "certus-ct-other-"));
    try {
      const otherKeys = await KeyStore.open(other, { purposes: ["ca-root", "ca-intermediate"] });
      let captured: { precert: Uint8Array; chain: readonly Uint8Array[] } | undefined;
      const foreign = await EmbeddedCA.open({
        directory: otherKeys.directory,
        rootKey: otherKeys.signer("ca-root"),
        intermediateKey: otherKeys.signer("ca-intermediate"),
        ctLog: { logId: ctLog.logId, submit: async (precert, c) => ((captured = { precert, chain: c }), ctLog.submit(precert, c)) },
      });
      await expect(foreign.issueLeaf({ publicKey: leafKey(), identity: "dan@example.com", oidcIssuer: "https://issuer.example" })).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        message: expect.stringContaining("root this log accepts"),
      });
      // The foreign precertificate with our chain: not signed by our intermediate.
      await expect(ctLog.submit(captured!.precert, chain())).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        message: expect.stringContaining("not signed"),
      });
      await expect(ctLog.submit(Buffer.from("not a certificate"), chain())).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      await expect(ctLog.submit(captured!.precert, [])).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("bad read arguments are INVALID_ARGUMENT, an unknown leaf NOT_FOUND", () => {
    const size = ctLog.latestSth().treeSize;
    expect(() => ctLog.consistency(2, 1)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => ctLog.consistency(1, size + 1)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => ctLog.entries(size, size)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => ctLog.proofByHash(Buffer.alloc(32), size)).toThrow(expect.objectContaining({ code: "NOT_FOUND" }));
    expect(() => ctLog.proofByHash(Buffer.alloc(31), size)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(ctLog.entries(0, 10_000).length).toBe(Math.min(size, 256));
  });
});

describe("persistence", () => {
  it("reopens with its tree and STH; refuses another key", async () => {
    const before = ctLog.latestSth();
    await ctLog.close();
    await expect(ctLog.submit(Buffer.alloc(1), [])).rejects.toMatchObject({ code: "UNAVAILABLE" });
    ctLog = await EmbeddedCtLog.open({
      directory: path.join(dir, "ctlog", "1"),
      signer: keys.signer("ctlog"),
      acceptedRoots: () => [new Uint8Array(ca.root.rawData)],
    });
    expect(ctLog.latestSth()).toEqual(before);
    await expect(EmbeddedCtLog.open({ directory: path.join(dir, "ctlog", "1"), signer: keys.signer("tlog"), acceptedRoots: () => [] })).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
    });
  });
});
