import { createHash, verify } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { json } from "@sigstore/core";
import { InvalidArgumentError, NotFoundError } from "../../../src/errors.js";
import { EntryExistsError } from "../../../src/sigstore/embedded/tlog/log-errors.js";
import { EmbeddedTransparencyLog, type CheckpointEvent } from "../../../src/sigstore/embedded/tlog/log.js";
import type { LoggedEntry } from "../../../src/sigstore/embedded/tlog/entry.js";
import { verifySignedCheckpoint } from "../../../src/sigstore/rekor/signed-note.js";
import { hashLeaf, verifyConsistency, verifyInclusion } from "../../helpers/rfc6962.js";
import { makeSigner, request, tempDir, type TestSigner } from "./fixtures.js";

const ORIGIN = "tlog.certus.example";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function openLog(options: { signer?: TestSigner; dir?: string; clock?: () => number } = {}) {
  const signer = options.signer ?? makeSigner();
  let dir = options.dir;
  if (dir === undefined) {
    const t = tempDir();
    dir = t.dir;
    cleanups.push(t.cleanup);
  }
  const log = await EmbeddedTransparencyLog.open({ dataDir: dir, signer, origin: ORIGIN, clock: options.clock });
  cleanups.push(() => log.close());
  return { log, signer, dir };
}

/** Checks an entry the way a verifier would, using only the reference code and node:crypto. */
function expectVerifiable(entry: LoggedEntry, signer: TestSigner): void {
  const cp = verifySignedCheckpoint(entry.inclusionProof.checkpoint.envelope, { name: ORIGIN, publicKey: signer.publicKey });
  expect(cp.treeSize).toBe(entry.inclusionProof.treeSize);
  expect(cp.rootHash.equals(entry.inclusionProof.rootHash)).toBe(true);
  expect(verifyInclusion(hashLeaf(entry.canonicalizedBody), entry.logIndex, cp.treeSize, entry.inclusionProof.hashes, cp.rootHash)).toBe(true);
  const setPayload = json.canonicalize({
    body: entry.canonicalizedBody.toString("base64"),
    integratedTime: entry.integratedTime,
    logID: entry.logId.keyId.toString("hex"),
    logIndex: entry.logIndex,
  });
  expect(verify("sha256", Buffer.from(setPayload), signer.publicKey, entry.inclusionPromise.signedEntryTimestamp)).toBe(true);
  expect(entry.logId.keyId.equals(createHash("sha256").update(signer.publicKeySpki).digest())).toBe(true);
  expect(entry.uuid).toBe(hashLeaf(entry.canonicalizedBody).toString("hex"));
}

describe("EmbeddedTransparencyLog", () => {
  it("publishes a checkpoint for the empty tree and logs a verifiable entry", async () => {
    const { log, signer } = await openLog();
    expect(log.size).toBe(0);
    expect(verifySignedCheckpoint(log.latestCheckpoint().envelope, { name: ORIGIN, publicKey: signer.publicKey }).treeSize).toBe(0);
    const entry = await log.append(request(1));
    expect(entry.logIndex).toBe(0);
    expect(entry.kindVersion).toEqual({ kind: "hashedrekord", version: "0.0.1" });
    expectVerifiable(entry, signer);
    expect(log.size).toBe(1);
    expect(log.getByIndex(0).uuid).toBe(entry.uuid);
    expect(log.getByUuid(entry.uuid).logIndex).toBe(0);
    expect(log.getByUuid(`0123456789abcdef${entry.uuid}`).logIndex).toBe(0);
  });

  it("gives 200 concurrent appends distinct gap-free indexes in fewer transactions", async () => {
    const { log, signer } = await openLog();
    const events: CheckpointEvent[] = [];
    log.onCheckpoint((e) => events.push(e));
    const entries = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(request(i))));
    expect(entries.map((e) => e.logIndex).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBeLessThan(200);
    expect(events.reduce((n, e) => n + e.count, 0)).toBe(200);
    let next = 0;
    for (const e of events) {
      expect(e.firstIndex).toBe(next);
      next += e.count;
      expect(e.checkpoint.treeSize).toBe(next);
    }
    for (const entry of entries) expectVerifiable(entry, signer);
    // Every later proof of an old entry still verifies, against the latest checkpoint.
    for (const i of [0, 1, 99, 199]) expectVerifiable(log.getByIndex(i), signer);
    // Every published checkpoint is consistent with the latest one.
    const last = log.latestCheckpoint();
    for (const e of events) {
      const proof = log.consistencyProof(e.checkpoint.treeSize, last.treeSize);
      expect(verifyConsistency(e.checkpoint.treeSize, last.treeSize, e.checkpoint.rootHash, last.rootHash, proof.hashes)).toBe(true);
      expect(log.checkpointAt(e.checkpoint.treeSize)?.envelope).toBe(e.checkpoint.envelope);
    }
  });

  it("serves proofs at older tree sizes", async () => {
    const { log, signer } = await openLog();
    for (let i = 0; i < 37; i++) await log.append(request(i));
    for (let size = 1; size <= 37; size++) {
      const cp = log.checkpointAt(size)!;
      const verified = verifySignedCheckpoint(cp.envelope, { name: ORIGIN, publicKey: signer.publicKey });
      for (let index = 0; index < size; index++) {
        const proof = log.inclusionProof(index, size);
        expect(proof.rootHash.equals(verified.rootHash)).toBe(true);
        const leaf = hashLeaf(log.getByIndex(index).canonicalizedBody);
        expect(verifyInclusion(leaf, index, size, proof.hashes, verified.rootHash)).toBe(true);
      }
    }
  });

  it("refuses duplicates, across and within batches", async () => {
    const { log } = await openLog();
    const first = await log.append(request(7));
    await expect(log.append(request(7))).rejects.toMatchObject({ code: "ALREADY_EXISTS", logIndex: first.logIndex, uuid: first.uuid });
    const [a, b] = await Promise.allSettled([log.append(request(8)), log.append(request(8))]);
    expect(a.status).toBe("fulfilled");
    expect(b.status).toBe("rejected");
    expect((b as PromiseRejectedResult).reason).toBeInstanceOf(EntryExistsError);
    expect(log.size).toBe(2);
  });

  it("finds entries by digest and subject, page by page", async () => {
    const { log } = await openLog();
    for (let i = 0; i < 12; i++) await log.append(request(i, { signerSubject: i % 3 === 0 ? "alice@example.com" : "bob@example.com" }));
    const alice = log.findBySubject("alice@example.com", { pageSize: 2 });
    expect(alice.entries.map((e) => e.logIndex)).toEqual([0, 3]);
    const rest = log.findBySubject("alice@example.com", { pageSize: 2, afterIndex: alice.nextAfterIndex });
    expect(rest.entries.map((e) => e.logIndex)).toEqual([6, 9]);
    expect(log.findBySubject("alice@example.com", { afterIndex: 9 })).toEqual({ entries: [], nextAfterIndex: undefined });
    const digest = request(5).artifactDigest;
    expect(log.findByDigest(digest).entries.map((e) => e.logIndex)).toEqual([5]);
  });

  it("reports bad input with typed errors", async () => {
    const { log } = await openLog();
    await log.append(request(1));
    await log.append(request(2));
    expect(() => log.getByIndex(2)).toThrow(NotFoundError);
    expect(() => log.getByIndex(-1)).toThrow(InvalidArgumentError);
    expect(() => log.getByUuid("zz")).toThrow(InvalidArgumentError);
    expect(() => log.getByUuid("ab".repeat(32))).toThrow(NotFoundError);
    expect(() => log.inclusionProof(2)).toThrow(NotFoundError);
    expect(() => log.inclusionProof(0, 3)).toThrow(InvalidArgumentError);
    expect(() => log.consistencyProof(2, 1)).toThrow(InvalidArgumentError);
    expect(() => log.consistencyProof(1, 3)).toThrow(InvalidArgumentError);
    expect(() => log.findByDigest("x", { pageSize: 0 })).toThrow(InvalidArgumentError);
    expect(log.checkpointAt(3)).toBeUndefined();
    const bad = (patch: object) => log.append({ ...request(3), ...patch });
    await expect(bad({ kind: "intoto" })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(bad({ canonicalBody: Buffer.from("{ }") })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(bad({ canonicalBody: Buffer.from('{"kind":"dsse","apiVersion":"0.0.1"}') })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(bad({ canonicalBody: Buffer.from('{"kind":"hashedrekord", "apiVersion":"0.0.1"}') })).rejects.toMatchObject({ field: "canonicalBody" });
    await expect(bad({ signerSubject: "" })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("never lets integratedTime go backwards when the clock jumps back", async () => {
    let now = 1_700_000_100_000;
    const { log, signer } = await openLog({ clock: () => now });
    const a = await log.append(request(1));
    now -= 3_600_000;
    const b = await log.append(request(2));
    now += 7_200_000;
    const c = await log.append(request(3));
    now = Number.NaN;
    const d = await log.append(request(4));
    expect(a.integratedTime).toBe(1_700_000_100);
    expect(b.integratedTime).toBe(1_700_000_100);
    expect(c.integratedTime).toBe(1_700_003_700);
    expect(d.integratedTime).toBe(1_700_003_700);
    for (const e of [a, b, c, d]) expectVerifiable(e, signer);
  });

  it("keeps the tree across close and reopen, including the time floor", async () => {
    const signer = makeSigner();
    const t = tempDir();
    cleanups.push(t.cleanup);
    let now = 1_800_000_000_000;
    const first = await EmbeddedTransparencyLog.open({ dataDir: t.dir, signer, origin: ORIGIN, clock: () => now });
    await Promise.all(Array.from({ length: 45 }, (_, i) => first.append(request(i))));
    const before = first.latestCheckpoint();
    await first.close();
    await expect(first.append(request(99))).rejects.toMatchObject({ code: "UNAVAILABLE" });

    now -= 10_000_000;
    const { log } = await openLog({ signer, dir: t.dir, clock: () => now });
    expect(log.size).toBe(45);
    expect(log.latestCheckpoint()).toEqual(before);
    const next = await log.append(request(45));
    expect(next.logIndex).toBe(45);
    expect(next.integratedTime).toBe(1_800_000_000);
    expectVerifiable(next, signer);
    const proof = log.consistencyProof(45, 46);
    expect(verifyConsistency(45, 46, before.rootHash, next.inclusionProof.rootHash, proof.hashes)).toBe(true);
    await expect(log.append(request(3))).rejects.toBeInstanceOf(EntryExistsError);
  });

  it("refuses to reopen a data directory under another key or origin", async () => {
    const { log, dir } = await openLog();
    await log.close();
    await expect(EmbeddedTransparencyLog.open({ dataDir: dir, signer: makeSigner(), origin: ORIGIN })).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    await expect(EmbeddedTransparencyLog.open({ dataDir: dir, signer: makeSigner(), origin: "bad origin" })).rejects.toBeInstanceOf(TypeError);
  });
});
