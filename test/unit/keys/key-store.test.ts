import { createPublicKey, verify as nodeVerify } from "node:crypto";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TrustError } from "../../../src/errors.js";
import { derToP1363 } from "../../../src/sigstore/keys/certificate-signer.js";
import { FileSigner } from "../../../src/sigstore/keys/file-signer.js";
import { KEY_PURPOSES, KeyStore } from "../../../src/sigstore/keys/key-store.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "certus-keys-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("KeyStore", () => {
  it("creates one P-256 key per purpose, files 0600 in a 0700 directory", async () => {
    const store = await KeyStore.open(dataDir);
    expect(store.purposes()).toEqual([...KEY_PURPOSES]);
    expect((await stat(store.directory)).mode & 0o777).toBe(0o700);
    const files = (await readdir(store.directory)).sort();
    expect(files).toEqual(KEY_PURPOSES.flatMap((p) => [`${p}.key.json`, `${p}.key.pem`]).sort());
    for (const file of files) {
      expect((await stat(path.join(store.directory, file))).mode & 0o777).toBe(0o600);
    }
    const spkis = new Set(KEY_PURPOSES.map((p) => store.signer(p).publicKeySpki.toString("hex")));
    expect(spkis.size).toBe(KEY_PURPOSES.length);
  });

  it("loads the same keys and creation times on restart", async () => {
    const first = await KeyStore.open(dataDir);
    const second = await KeyStore.open(dataDir);
    for (const purpose of KEY_PURPOSES) {
      expect(second.signer(purpose).publicKeySpki).toEqual(first.signer(purpose).publicKeySpki);
      expect(second.createdAt(purpose)).toEqual(first.createdAt(purpose));
    }
  });

  it("gives concurrent first starts the same keys", async () => {
    const [a, b] = await Promise.all([KeyStore.open(dataDir), KeyStore.open(dataDir)]);
    for (const purpose of KEY_PURPOSES) {
      expect(b.signer(purpose).publicKeySpki).toEqual(a.signer(purpose).publicKeySpki);
    }
    expect((await readdir(a.directory)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("tightens a key file that became group-readable", async () => {
    const store = await KeyStore.open(dataDir, { purposes: ["tlog"] });
    const file = path.join(store.directory, "tlog.key.pem");
    const { chmod } = await import("node:fs/promises");
    await chmod(file, 0o644);
    await KeyStore.open(dataDir, { purposes: ["tlog"] });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("refuses a replaced key instead of silently changing the trust root", async () => {
    const store = await KeyStore.open(dataDir, { purposes: ["tlog", "tsa"] });
    const other = await KeyStore.open(await mkdtemp(path.join(tmpdir(), "certus-keys-")), { purposes: ["tlog"] });
    const { readFile } = await import("node:fs/promises");
    const foreign = await readFile(path.join(other.directory, "tlog.key.pem"));
    await writeFile(path.join(store.directory, "tsa.key.pem"), foreign);
    const error = await KeyStore.open(dataDir, { purposes: ["tsa"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrustError);
    expect((error as TrustError).code).toBe("FAILED_PRECONDITION");
    await rm(path.dirname(other.directory), { recursive: true, force: true });
  });

  it("reports an unreadable key without quoting it", async () => {
    const store = await KeyStore.open(dataDir, { purposes: ["tlog"] });
    const secret = "-----BEGIN PRIVATE KEY-----\nTUlJQ0NBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=\n-----END PRIVATE KEY-----\n";
    await writeFile(path.join(store.directory, "tlog.key.pem"), secret);
    const error = (await KeyStore.open(dataDir, { purposes: ["tlog"] }).catch((e: unknown) => e)) as TrustError;
    expect(error.code).toBe("FAILED_PRECONDITION");
    expect(error.message).not.toContain("TUlJQ0");
    expect(error.cause).toBeUndefined();
  });
});

describe("FileSigner", () => {
  it("signs ECDSA P-256/SHA-256 DER and never shows the private key", async () => {
    const store = await KeyStore.open(dataDir, { purposes: ["tlog"] });
    const signer = store.signer("tlog");
    const data = Buffer.from("checkpoint body");
    const signature = await signer.sign(data);
    expect(signature[0]).toBe(0x30);
    expect(nodeVerify("sha256", data, createPublicKey(signer.publicKeyPem), signature)).toBe(true);

    for (const shown of [String(signer), inspect(signer, { showHidden: true, depth: 10 }), JSON.stringify(signer), inspect(store)]) {
      expect(shown).not.toMatch(/PRIVATE|"d"|BEGIN EC/);
    }
    expect(JSON.parse(JSON.stringify(signer))).toEqual({ name: "tlog", publicKeyPem: signer.publicKeyPem });
  });

  it("rejects keys that are not P-256", () => {
    const rsaLike = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    expect(() => FileSigner.fromPkcs8Pem("x", rsaLike)).toThrow(TrustError);
  });
});

describe("derToP1363", () => {
  it("pads short scalars and strips sign bytes", () => {
    const r = Buffer.concat([Buffer.from([0x00, 0x80]), Buffer.alloc(31, 1)]); // 33 bytes with a sign byte
    const s = Buffer.from([0x05]);
    const der = Buffer.concat([Buffer.from([0x30, 2 + r.length + 2 + s.length, 0x02, r.length]), r, Buffer.from([0x02, 1]), s]);
    const raw = derToP1363(der);
    expect(raw.length).toBe(64);
    expect(Buffer.from(raw.subarray(0, 32))).toEqual(r.subarray(1));
    expect(raw[63]).toBe(5);
    expect(raw.subarray(32, 63).every((b) => b === 0)).toBe(true);
  });

  it("rejects garbage", () => {
    expect(() => derToP1363(Buffer.from([0x30, 0x03, 0x02, 0x01]))).toThrow(TrustError);
  });
});
