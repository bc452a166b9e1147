/**
 * The upstream checkpoint monitor (sigstore/external/upstream-checkpoints.ts): a checkpoint is
 * accepted only when the trusted root's log key signed it and it extends the last one seen (the
 * last one persisted across restarts); a smaller tree or another root for the same size is a
 * sticky alarm; a bad signature or an unproven extension is refused without the alarm.
 */
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/logger.js";
import { merkleLeafHash, TreeRootAccumulator } from "../../../src/sigstore/audit/merkle-verify.js";
import { UpstreamCheckpoints } from "../../../src/sigstore/external/upstream-checkpoints.js";
import { TileProofBuilder } from "../../../src/sigstore/external/tiles/tile-proofs.js";
import { signCheckpoint } from "../../../src/sigstore/rekor/checkpoint.js";
import { tempDir } from "../../helpers/server.js";

const ORIGIN = "log.example";
const leaves = Array.from({ length: 40 }, (_, i) => merkleLeafHash(Buffer.from(`leaf ${i}`)));
const rootOf = (n: number, ls = leaves) => {
  const acc = new TreeRootAccumulator();
  for (const l of ls.slice(0, n)) acc.push(l);
  return acc.root();
};
const interior = (l: Buffer, r: Buffer) =>
  createHash("sha256")
    .update(Buffer.from([1]))
    .update(l)
    .update(r)
    .digest();
const builder = (ls = leaves) =>
  new TileProofBuilder((level, index) => {
    let row = ls.slice(index * 2 ** level, (index + 1) * 2 ** level);
    while (row.length > 1) row = Array.from({ length: row.length / 2 }, (_, i) => interior(row[2 * i]!, row[2 * i + 1]!));
    return Promise.resolve(row[0]!);
  });

function logKey() {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = publicKey.export({ format: "der", type: "spki" });
  const signer = { publicKeySpki: spki, sign: (data: Buffer) => Promise.resolve(sign("sha256", data, privateKey)) };
  return {
    spki,
    note: (size: number, root = rootOf(size), origin = ORIGIN, name?: string) =>
      signCheckpoint({ origin, treeSize: size, rootHash: root }, signer as never, name),
  };
}

function trustedRoot(spki: Buffer, baseUrl = `https://${ORIGIN}`) {
  return { tlogs: [{ baseUrl, publicKey: { rawBytes: spki.toString("base64") }, logId: { keyId: createHash("sha256").update(spki).digest("base64") } }] };
}

function monitor(
  dir: string,
  key: ReturnType<typeof logKey>,
  serve: { note: string; proof?: (a: number, b: number) => Promise<Buffer[]> },
  events: string[] = [],
) {
  return new UpstreamCheckpoints({
    component: "rekor",
    fetchNote: () => Promise.resolve(serve.note),
    consistencyProof: (a, b) => (serve.proof ?? ((x, y) => builder().consistencyProof(x, y)))(a, b),
    trustedRoot: () => trustedRoot(key.spki),
    stateFile: join(dir, "rekor-upstream-checkpoint.note"),
    log: createLogger("silent"),
    freshMs: 0,
    onAlarm: (r) => events.push(`alarm: ${r}`),
    onUnproven: (r) => events.push(`unproven: ${r}`),
  });
}

describe("UpstreamCheckpoints", () => {
  it("accepts a signed extension, persists it (0600), and tells watchers", async () => {
    const key = logKey();
    const dir = tempDir();
    const serve = { note: await key.note(5) };
    const m = monitor(dir, key, serve);
    expect((await m.latest()).treeSize).toBe(5);
    const seen: number[] = [];
    const off = m.watch((e) => seen.push(e.firstIndex, e.count));
    serve.note = await key.note(12);
    expect((await m.latest()).treeSize).toBe(12);
    off();
    m.close();
    expect(seen).toEqual([5, 7]);
    const file = join(dir, "rekor-upstream-checkpoint.note");
    expect(readFileSync(file, "utf8")).toBe(serve.note);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("a smaller tree after a restart is a sticky alarm", async () => {
    const key = logKey();
    const dir = tempDir();
    const events: string[] = [];
    await monitor(dir, key, { note: await key.note(20) }).latest();
    const again = monitor(dir, key, { note: await key.note(8) }, events);
    await expect(again.latest()).rejects.toMatchObject({ code: "UNAVAILABLE", message: expect.stringMatching(/went back from size 20 to 8/) });
    expect(again.alarm).toMatch(/went back/);
    expect(events).toEqual([expect.stringMatching(/^alarm: /)]);
    await expect(again.latest()).rejects.toMatchObject({ code: "UNAVAILABLE" });
  });

  it("another root for the same size is an alarm", async () => {
    const key = logKey();
    const serve = { note: await key.note(10) };
    const m = monitor(tempDir(), key, serve);
    await m.latest();
    serve.note = await key.note(10, Buffer.alloc(32, 9));
    await expect(m.latest()).rejects.toThrow(/two different roots for size 10/);
  });

  it("an unproven extension is refused without the alarm; the last checkpoint stays", async () => {
    const key = logKey();
    const events: string[] = [];
    const forked = leaves.map((l, i) => (i === 3 ? merkleLeafHash(Buffer.from("other")) : l));
    const serve = { note: await key.note(6), proof: (a: number, b: number) => builder(forked).consistencyProof(a, b) };
    const m = monitor(tempDir(), key, serve, events);
    await m.latest();
    serve.note = await key.note(16, rootOf(16, forked));
    await expect(m.latest()).rejects.toThrow(/could not be proven consistent/);
    expect(m.alarm).toBeUndefined();
    expect(m.lastAccepted?.treeSize).toBe(6);
    expect(events).toEqual([expect.stringMatching(/^unproven: /)]);
  });

  it("refuses a checkpoint signed by another key, or named outside the log's base URL", async () => {
    const key = logKey();
    const other = logKey();
    await expect(monitor(tempDir(), key, { note: await other.note(3) }).latest()).rejects.toThrow(/does not verify \(UNKNOWN_KEY\)/);
    await expect(monitor(tempDir(), key, { note: await key.note(3, rootOf(3), "elsewhere.example") }).latest()).rejects.toThrow(/UNKNOWN_KEY/);
  });

  it("accepts Rekor v1's origin form '<name> - <treeID>' signed by <name>", async () => {
    const key = logKey();
    const note = await key.note(4, rootOf(4), `${ORIGIN} - 1193050959916656506`, ORIGIN);
    expect((await monitor(tempDir(), key, { note }).latest()).treeSize).toBe(4);
  });
});
