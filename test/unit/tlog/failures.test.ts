import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { UnavailableError } from "../../../src/errors.js";
import { EmbeddedTransparencyLog } from "../../../src/sigstore/embedded/tlog/log.js";
import { LOG_DB_FILE } from "../../../src/sigstore/embedded/tlog/store.js";
import { toStoreError } from "../../../src/sigstore/embedded/tlog/store-errors.js";
import { hashLeaf, verifyInclusion } from "../../helpers/rfc6962.js";
import { makeSigner, request, tempDir } from "./fixtures.js";

const ORIGIN = "tlog.certus.example";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function open(extra: { maxDatabaseBytes?: number; signer?: ReturnType<typeof makeSigner> } = {}) {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const log = await EmbeddedTransparencyLog.open({
    dataDir: t.dir,
    signer: extra.signer ?? makeSigner(),
    origin: ORIGIN,
    busyTimeoutMs: 20,
    maxDatabaseBytes: extra.maxDatabaseBytes,
  });
  cleanups.push(() => log.close());
  const other = new DatabaseSync(join(t.dir, LOG_DB_FILE), { timeout: 20 });
  cleanups.push(() => other.close());
  return { log, other };
}

async function expectUnavailable(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UnavailableError);
  expect((err as UnavailableError).component).toBe("transparency-log");
}

describe("store failures", () => {
  it("a database locked by another process fails the batch, and appends resume after", async () => {
    const { log, other } = await open();
    await log.append(request(1));
    const before = log.latestCheckpoint();
    other.exec("BEGIN EXCLUSIVE");
    other.exec("CREATE TABLE hold (x)"); // make sure the write lock is really held
    const batch = [log.append(request(2)), log.append(request(3))];
    for (const p of batch) await expectUnavailable(p);
    expect(log.size).toBe(1);
    expect(log.latestCheckpoint()).toEqual(before);
    other.exec("ROLLBACK");

    const again = await Promise.all([log.append(request(2)), log.append(request(3))]);
    expect(again.map((e) => e.logIndex).sort()).toEqual([1, 2]);
    for (const e of again) {
      expect(verifyInclusion(hashLeaf(e.canonicalizedBody), e.logIndex, e.inclusionProof.treeSize, e.inclusionProof.hashes, e.inclusionProof.rootHash)).toBe(
        true,
      );
    }
    expect(log.size).toBe(3);
  });

  it("a full disk fails the batch without corrupting the tree, and appends resume once space is freed", async () => {
    const { log, other } = await open({ maxDatabaseBytes: 2 * 1024 * 1024 });
    for (let i = 0; i < 20; i++) await log.append(request(i));
    // Another writer fills the quota, as other files would fill a disk.
    other.exec("CREATE TABLE ballast (b BLOB)");
    const fill = other.prepare("INSERT INTO ballast VALUES (zeroblob(65536))");
    try {
      for (let i = 0; i < 1000; i++) fill.run();
    } catch {
      // Over the quota: the connection has no max_page_count but the file does not shrink either.
    }
    const failures = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => log.append(request(1000 + i))));
    const rejected = failures.filter((f) => f.status === "rejected");
    expect(rejected.length).toBeGreaterThan(0);
    for (const f of rejected) await expectUnavailable(Promise.reject(f.reason as Error));
    expect(String((rejected[0] as PromiseRejectedResult).reason.message)).toMatch(/full/);
    const sizeAfterFailure = log.size;
    other.exec("DROP TABLE ballast");

    const e = await log.append(request(5000));
    expect(e.logIndex).toBe(sizeAfterFailure);
    expect(log.getByIndex(0).logIndex).toBe(0);
    expect(verifyInclusion(hashLeaf(e.canonicalizedBody), e.logIndex, e.inclusionProof.treeSize, e.inclusionProof.hashes, e.inclusionProof.rootHash)).toBe(
      true,
    );
  });

  it("a signer failure fails the batch and the tree does not move", async () => {
    const signer = makeSigner();
    let broken = false;
    const flaky = { ...signer, sign: (d: Uint8Array) => (broken ? Promise.reject(new Error("kms down")) : signer.sign(d)) };
    const { log } = await open({ signer: flaky });
    await log.append(request(1));
    broken = true;
    await expectUnavailable(log.append(request(2)));
    expect(log.size).toBe(1);
    broken = false;
    expect((await log.append(request(2))).logIndex).toBe(1);
  });
});

describe("error mapping", () => {
  it("maps real node:sqlite read-only, full and busy failures to UnavailableError, the rest to INTERNAL", () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = join(t.dir, "x.sqlite");
    const rw = new DatabaseSync(file);
    rw.exec("CREATE TABLE t (x)");
    rw.close();
    const ro = new DatabaseSync(file, { readOnly: true });
    cleanups.push(() => ro.close());
    let readOnlyError: unknown;
    try {
      ro.exec("INSERT INTO t VALUES (1)");
    } catch (err) {
      readOnlyError = err;
    }
    const mapped = toStoreError(readOnlyError, "commit batch");
    expect(mapped).toBeInstanceOf(UnavailableError);
    expect(mapped.message).toMatch(/read-only/);
    for (const errcode of [5, 13, 10, 1032 /* READONLY_DBMOVED */, 266 /* IOERR_READ */]) {
      expect(toStoreError({ errcode }, "x")).toBeInstanceOf(UnavailableError);
    }
    expect(toStoreError({ errcode: 19 /* CONSTRAINT */ }, "x").code).toBe("INTERNAL");
    expect(toStoreError(new Error("boom"), "x").code).toBe("INTERNAL");
  });
});
