import { createHash, createPublicKey, generateKeyPairSync, verify as nodeVerify } from "node:crypto";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceIdentity } from "../../../src/sigstore/embedded/service-identity.js";
import { SigningThread } from "../../../src/sigstore/embedded/signing-thread.js";
import { FileSigner } from "../../../src/sigstore/keys/file-signer.js";
import { openStack } from "./helpers.js";

function p256Pair() {
  return generateKeyPairSync("ec", { namedCurve: "P-256" });
}

describe("SigningThread", () => {
  let thread: SigningThread;
  beforeAll(() => {
    thread = SigningThread.start();
  });
  afterAll(async () => {
    await thread.close();
  });

  it("signs on the worker: each of many concurrent requests gets the signature of its own bytes, by its own key", async () => {
    const a = p256Pair();
    const b = p256Pair();
    const slots = [thread.install(a.privateKey), thread.install(b.privateKey)];
    const publics = [a.publicKey, b.publicKey];
    expect(thread.running).toBe(true);
    const inputs = Array.from({ length: 200 }, (_, i) => ({ key: i % 2, data: Buffer.from(`message ${i} `.repeat(i % 7)) }));
    const signatures = await Promise.all(inputs.map((x) => thread.sign(slots[x.key]!, x.data)));
    inputs.forEach((x, i) => {
      expect(nodeVerify("sha256", x.data, publics[x.key]!, signatures[i]!)).toBe(true);
      expect(nodeVerify("sha256", x.data, publics[1 - x.key]!, signatures[i]!)).toBe(false);
    });
  });

  it("signs a SHA-256 digest without hashing it again, hedged (two signatures of one digest differ)", async () => {
    const { privateKey, publicKey } = p256Pair();
    const slot = thread.install(privateKey);
    const data = Buffer.from("artifact bytes the service never sees");
    const digest = createHash("sha256").update(data).digest();
    const [one, two] = await Promise.all([thread.signPrehashed(slot, digest), thread.signPrehashed(slot, digest)]);
    expect(nodeVerify("sha256", data, publicKey, one)).toBe(true);
    expect(nodeVerify("sha256", data, publicKey, two)).toBe(true);
    expect(one.equals(two)).toBe(false);
  });

  it("makes the signatures asked for before a drop, and refuses the slot after it", async () => {
    const { privateKey, publicKey } = p256Pair();
    const slot = thread.install(privateKey);
    const before = thread.sign(slot, Buffer.from("before"));
    thread.drop(slot);
    const after = thread.sign(slot, Buffer.from("after"));
    expect(nodeVerify("sha256", Buffer.from("before"), publicKey, await before)).toBe(true);
    await expect(after).rejects.toThrow(/no key in slot/);
  });

  it("wraps a FileSigner as a KeySigner that prints only public facts", async () => {
    const { privateKey } = p256Pair();
    const base = FileSigner.fromPkcs8Pem("tsa", privateKey.export({ type: "pkcs8", format: "pem" }));
    const signer = thread.keySigner(base);
    expect(signer.publicKeySpki.equals(base.publicKeySpki)).toBe(true);
    const data = Buffer.from("timestamp attributes");
    expect(nodeVerify("sha256", data, createPublicKey(base.publicKeyPem), await signer.sign(data))).toBe(true);
    const printed = `${inspect(signer)} ${JSON.stringify(signer)}`;
    expect(printed).toContain("tsa");
    expect(printed).not.toMatch(/PRIVATE KEY|"d"/);
  });
});

describe("SigningThread after close, or without a worker", () => {
  it("answers what it owed at close, then signs in the calling thread with the same keys", async () => {
    const thread = SigningThread.start();
    const { privateKey, publicKey } = p256Pair();
    const slot = thread.install(privateKey);
    const owed = Array.from({ length: 20 }, (_, i) => thread.sign(slot, Buffer.from(`owed ${i}`)));
    await thread.close();
    expect(thread.running).toBe(false);
    (await Promise.all(owed)).forEach((sig, i) => expect(nodeVerify("sha256", Buffer.from(`owed ${i}`), publicKey, sig)).toBe(true));
    const later = await thread.sign(slot, Buffer.from("later"));
    expect(nodeVerify("sha256", Buffer.from("later"), publicKey, later)).toBe(true);
    const digest = createHash("sha256").update("later").digest();
    expect(nodeVerify("sha256", Buffer.from("later"), publicKey, await thread.signPrehashed(slot, digest))).toBe(true);
  });

  it("signs in process when asked to (inProcess)", async () => {
    const thread = SigningThread.start({ inProcess: true });
    expect(thread.running).toBe(false);
    const { privateKey, publicKey } = p256Pair();
    const slot = thread.install(privateKey);
    expect(nodeVerify("sha256", Buffer.from("x"), publicKey, await thread.sign(slot, Buffer.from("x")))).toBe(true);
    await thread.close();
  });
});

describe("ServiceIdentity on a signing thread", () => {
  let stack: Awaited<ReturnType<typeof openStack>>;
  beforeAll(async () => {
    stack = await openStack();
  });
  afterAll(async () => {
    await stack.cleanup();
  });

  it("signs with the certified key on the thread, DSSE-style and prehashed", async () => {
    const thread = SigningThread.start();
    try {
      const identity = new ServiceIdentity({ ca: stack.ca, issuer: "https://trust.certus.example", thread });
      const data = Buffer.from("outer statement");
      const signed = await identity.sign(data);
      if (signed.key.$case !== "x509Certificate") throw new Error("no certificate");
      const key = createPublicKey(signed.key.certificate);
      expect(nodeVerify("sha256", data, key, signed.signature)).toBe(true);
      const prehashed = await identity.signPrehashed(createHash("sha256").update(data).digest());
      expect(nodeVerify("sha256", data, key, prehashed.signature)).toBe(true);
    } finally {
      await thread.close();
    }
  });
});
