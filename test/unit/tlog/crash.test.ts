import { spawn } from "node:child_process";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { KeySigner } from "../../../src/sigstore/keys/key-signer.js";
import { EmbeddedTransparencyLog } from "../../../src/sigstore/embedded/tlog/log.js";
import { hashLeaf, verifyConsistency, verifyInclusion } from "../../helpers/rfc6962.js";
import { request, tempDir } from "./fixtures.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Runs the child until it has acknowledged `acks` entries, then SIGKILLs it mid-stream. */
function appendUntilKilled(dataDir: string, pkcs8: Buffer, start: number, acks: number, walCheckpointPages?: number): Promise<string[]> {
  const args = [fileURLToPath(new URL("./crash-child.mjs", import.meta.url)), dataDir, pkcs8.toString("base64"), String(start)];
  if (walCheckpointPages !== undefined) args.push(String(walCheckpointPages));
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let buffered = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      lines.push(...parts);
      if (lines.length >= acks) child.kill("SIGKILL");
    });
    child.on("exit", (_code, signal) => (signal === "SIGKILL" ? resolve(lines) : reject(new Error(`child exited: ${stderr}`))));
  });
}

describe("crash mid-batch", () => {
  // The second case checkpoints the WAL every few batches (on the checkpoint thread, and on the
  // write thread at the cap) and restarts it over its old frames, so the kills land in and around
  // checkpoints and restarts too (writer-thread.ts).
  it.each([
    ["the default WAL threshold", undefined, 300],
    ["a WAL checkpointed and restarted every few batches", 16, 1500],
  ] as const)("keeps every acknowledged entry and one consistent tree across SIGKILLs, with %s", async (_name, walCheckpointPages, acks) => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pkcs8 = privateKey.export({ format: "der", type: "pkcs8" });
    const signer: KeySigner = {
      name: "crash-test",
      publicKeySpki: publicKey.export({ format: "der", type: "spki" }),
      publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
      sign: (data) => Promise.resolve(sign("sha256", data, privateKey)),
    };
    let previous: { size: number; root: Buffer } | undefined;
    for (const round of [0, 1, 2]) {
      const acked = await appendUntilKilled(t.dir, pkcs8, round * 100_000, acks, walCheckpointPages);
      const log = await EmbeddedTransparencyLog.open({ dataDir: t.dir, signer, origin: "tlog.certus.example", walCheckpointPages });
      try {
        expect(log.size).toBeGreaterThanOrEqual(acked.length + (previous?.size ?? 0));
        for (const line of acked) {
          const [index, uuid] = line.split(" ");
          const entry = log.getByUuid(uuid!);
          expect(entry.logIndex).toBe(Number(index));
          expect(verifyInclusion(hashLeaf(entry.canonicalizedBody), entry.logIndex, log.size, entry.inclusionProof.hashes, entry.inclusionProof.rootHash)).toBe(
            true,
          );
        }
        const latest = log.latestCheckpoint();
        if (previous !== undefined) {
          const proof = log.consistencyProof(previous.size, latest.treeSize);
          expect(verifyConsistency(previous.size, latest.treeSize, previous.root, latest.rootHash, proof.hashes)).toBe(true);
        }
        previous = { size: latest.treeSize, root: latest.rootHash };
        // The reopened log keeps appending to the same tree.
        const next = await log.append(request(round * 100_000 + 99_999));
        expect(next.logIndex).toBe(latest.treeSize);
        previous = { size: next.inclusionProof.treeSize, root: next.inclusionProof.rootHash };
        expect(createHash("sha256").update(signer.publicKeySpki).digest().equals(next.logId.keyId)).toBe(true);
      } finally {
        await log.close();
      }
    }
  });
});
