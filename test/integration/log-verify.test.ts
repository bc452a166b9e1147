/**
 * `certus-trust log verify` as an operator runs it: it passes on a healthy log (saving its state,
 * proving consistency on the next run, re-verifying everything with --full and showing progress),
 * and fails, naming the problem, when the log's database is altered behind the server's back:
 * a subtree hash (inconsistent checkpoints against the saved state; invalid inclusion proofs with
 * --full), an entry body (entry body not matching its leaf), an entry body with a matching leaf
 * hash (root mismatch), a stored checkpoint note (bad signature).
 */
import { execFile } from "node:child_process";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { REPO_ROOT, startTestServer, tempDir, type TestServer } from "../helpers/server.js";

const exec = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function logVerify(url: string, ...args: string[]): Promise<CliResult> {
  return exec(process.execPath, [join(REPO_ROOT, "bin/certus-trust.js"), "log", "verify", "--server", url, ...args]).then(
    (r) => ({ code: 0, ...r }),
    (err: unknown) => {
      const e = err as { code: number; stdout: string; stderr: string }; // execFile's error for a non-zero exit
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    },
  );
}

async function sign(url: string, i: number): Promise<void> {
  const digest = `sha256:${createHash("sha256").update(`log-verify artifact ${i}`).digest("hex")}`;
  const res = await fetch(`${url}/v1/sign`, { method: "POST", body: JSON.stringify({ artifact: { digest, uri: `s3://bucket/${i}` } }) });
  expect(res.status).toBe(200);
}

/** Stops the server, runs `alter` on its log database, restarts it on the same data directory. */
async function withAlteredLog(alter: (db: DatabaseSync) => void): Promise<void> {
  await srv.stop();
  const db = new DatabaseSync(join(dataDir, "tlog.sqlite"));
  try {
    alter(db);
  } finally {
    db.close();
  }
  srv = await startTestServer({}, dataDir);
}

const blob = (db: DatabaseSync, sql: string, ...params: number[]) => Buffer.from((db.prepare(sql).get(...params) as Record<string, Uint8Array>)["v"]!);
const flip = (b: Buffer, at = 0) => {
  const c = Buffer.from(b);
  c[at % c.length]! ^= 0x01;
  return c;
};
const leafHash = (body: Uint8Array) =>
  createHash("sha256")
    .update(Buffer.from([0]))
    .update(body)
    .digest();

let srv: TestServer;
let dataDir: string;
let work: string;
let stateAt6: string;

beforeAll(async () => {
  dataDir = tempDir();
  work = tempDir("certus-auditor-");
  srv = await startTestServer({}, dataDir);
  for (let i = 0; i < 6; i++) await sign(srv.url, i);
  const first = await logVerify(srv.url, "--state", join(work, "state.json"));
  expect(first.code, first.stderr).toBe(0);
  stateAt6 = join(work, "state-at-6.json");
  copyFileSync(join(work, "state.json"), stateAt6);
  for (let i = 6; i < 8; i++) await sign(srv.url, i);
});
afterAll(async () => {
  await srv?.stop();
});

describe("certus-trust log verify", () => {
  it("passes on a healthy log: consistency with the saved checkpoint, then --full with progress", async () => {
    const state = join(work, "state.json");
    expect(JSON.parse(readFileSync(state, "utf8")).treeSize).toBe(6);
    const run = await logVerify(srv.url, "--state", state, "--full");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/log OK: checkpoint .* size 8/);
    expect(run.stdout).toMatch(/consistent with the earlier checkpoint of size 6/);
    expect(run.stdout).toMatch(/all 8 entries re-verified/);
    expect(run.stderr).toMatch(/verified 8\/8 entries \(100%\)/);
    const saved = JSON.parse(readFileSync(state, "utf8"));
    expect(saved).toMatchObject({ treeSize: 8, fullyVerifiedSize: 8 });

    // --from-checkpoint: a checkpoint kept elsewhere (here: the one of the earlier run).
    const note = join(work, "checkpoint-6.txt");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(note, JSON.parse(readFileSync(stateAt6, "utf8")).checkpoint);
    const json = await logVerify(srv.url, "--state", join(work, "other.json"), "--from-checkpoint", note, "--output", "json");
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, treeSize: 8, consistentFrom: [6], problems: [] });
  });

  it("an altered subtree hash: inconsistent checkpoints against the saved state, invalid inclusion proofs with --full", async () => {
    // Leaves 4–5 (level 1, index 2): off the right edge of the 8-leaf tree, so the server still
    // opens, but the consistency proof from size 6 and the proofs of entries 6–7 use it.
    let original: Buffer | undefined;
    await withAlteredLog((db) => {
      original = blob(db, "SELECT hash AS v FROM subtrees WHERE level = 1 AND idx = 2");
      db.prepare("UPDATE subtrees SET hash = ? WHERE level = 1 AND idx = 2").run(flip(original));
    });
    const state = join(work, "tampered-state.json");
    copyFileSync(stateAt6, state);
    const consistency = await logVerify(srv.url, "--state", state);
    expect(consistency.code).toBe(1);
    expect(consistency.stderr).toMatch(/inconsistent checkpoints \[INCONSISTENT_CHECKPOINTS\]: the consistency proof from .* \(size 6\)/);
    expect(readFileSync(state, "utf8")).toBe(readFileSync(stateAt6, "utf8")); // left unchanged

    const full = await logVerify(srv.url, "--state", join(work, "fresh-1.json"), "--full");
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/invalid inclusion proof \[INCLUSION_PROOF_INVALID\]: entry 6/);
    expect(full.stderr).not.toMatch(/ROOT_MISMATCH/); // the entries themselves are intact

    await withAlteredLog((db) => db.prepare("UPDATE subtrees SET hash = ? WHERE level = 1 AND idx = 2").run(original!));
    expect((await logVerify(srv.url, "--state", join(work, "fresh-2.json"), "--full")).code).toBe(0);
  });

  it("an altered entry body: entry body not matching its leaf", async () => {
    let original: Buffer | undefined;
    await withAlteredLog((db) => {
      original = blob(db, "SELECT body AS v FROM entries WHERE log_index = ?", 3);
      db.prepare("UPDATE entries SET body = ? WHERE log_index = ?").run(flip(original, 40), 3);
    });
    const full = await logVerify(srv.url, "--state", join(work, "fresh-3.json"), "--full");
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/entry body not matching its leaf \[ENTRY_LEAF_MISMATCH\]: entry 3/);
    expect(full.stderr).toMatch(/root mismatch \[ROOT_MISMATCH\]/);
    // Without --full only checkpoints are checked, and they are intact.
    expect((await logVerify(srv.url, "--state", join(work, "fresh-4.json"))).code).toBe(0);

    // Body and leaf hash changed together: the entry looks self-consistent, the tree does not.
    await withAlteredLog((db) => {
      const forged = flip(original!, 40);
      db.prepare("UPDATE entries SET body = ?, leaf_hash = ? WHERE log_index = ?").run(forged, leafHash(forged), 3);
    });
    const forged = await logVerify(srv.url, "--state", join(work, "fresh-5.json"), "--full");
    expect(forged.code).toBe(1);
    expect(forged.stderr).not.toMatch(/ENTRY_LEAF_MISMATCH/);
    expect(forged.stderr).toMatch(/root mismatch \[ROOT_MISMATCH\]: the root recomputed from all 8 entries/);
    expect(forged.stderr).toMatch(/invalid inclusion proof \[INCLUSION_PROOF_INVALID\]: entry 3/);

    await withAlteredLog((db) => {
      db.prepare("UPDATE entries SET body = ?, leaf_hash = ? WHERE log_index = ?").run(original!, leafHash(original!), 3);
    });
    expect((await logVerify(srv.url, "--state", join(work, "fresh-6.json"), "--full")).code).toBe(0);
  });

  it("an altered checkpoint note: bad signature", async () => {
    await withAlteredLog((db) => {
      const { note } = db.prepare("SELECT note FROM checkpoints ORDER BY tree_size DESC LIMIT 1").get() as { note: string };
      const [body, sigLine] = note.split("\n\n");
      const parts = sigLine!.trim().split(" ");
      const sig = Buffer.from(parts[2]!, "base64");
      sig[sig.length - 3]! ^= 0x01; // inside the ECDSA signature, after the key hint
      parts[2] = sig.toString("base64");
      db.prepare("UPDATE checkpoints SET note = ? WHERE tree_size = (SELECT MAX(tree_size) FROM checkpoints)").run(`${body}\n\n${parts.join(" ")}\n`);
    });
    const run = await logVerify(srv.url, "--state", join(work, "fresh-7.json"));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/bad signature \[BAD_SIGNATURE\]: latest checkpoint/);
  });
});
