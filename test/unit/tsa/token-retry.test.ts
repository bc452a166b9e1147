/**
 * The re-encoding guard of token.ts: a token whose per-token parts @sigstore/core would not
 * re-encode exactly is re-made with a fresh serial (and signature), at most four times.
 */
import { RFC3161Timestamp } from "@sigstore/core";
import { createHash, createPublicKey, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { OID_SHA256 } from "../../../src/sigstore/embedded/tsa/oids.js";
import { grantedResponse, prepareTokenSigner, type TokenSigner } from "../../../src/sigstore/embedded/tsa/token.js";
import type { KeySigner } from "../../../src/sigstore/keys/key-signer.js";
import { openStack } from "../ca/helpers.js";

const guard = vi.hoisted(() => ({ failures: 0, calls: 0 }));
vi.mock("../../../src/sigstore/keys/sigstore-der.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../../src/sigstore/keys/sigstore-der.js")>();
  return {
    ...original,
    survivesSigstoreReencoding: (der: Uint8Array) => {
      guard.calls++;
      if (guard.failures > 0) {
        guard.failures--;
        return false;
      }
      return original.survivesSigstoreReencoding(der);
    },
  };
});

let stack: Awaited<ReturnType<typeof openStack>>;
let signs = 0;
let signer: TokenSigner;
beforeAll(async () => {
  stack = await openStack();
  const key = stack.keys.signer("tsa");
  const counting: KeySigner = {
    name: key.name,
    publicKeySpki: key.publicKeySpki,
    publicKeyPem: key.publicKeyPem,
    sign: (data) => {
      signs++;
      return key.sign(data);
    },
  };
  signer = prepareTokenSigner(counting, stack.tsa.chainDer()[0]!, stack.tsa.policy);
});
afterAll(async () => {
  await stack.cleanup();
});

async function stamp(failures: number): Promise<{ der: Buffer; signs: number; data: Buffer }> {
  const data = randomBytes(71);
  guard.failures = failures;
  signs = 0;
  const der = await grantedResponse(
    { hashAlgorithm: OID_SHA256, hashedMessage: createHash("sha256").update(data).digest(), genTime: new Date(), includeCertificate: true },
    signer,
  );
  return { der, signs, data };
}

function verifies(der: Buffer, data: Buffer): boolean {
  const key = createPublicKey({ key: Buffer.from(stack.tsa.leaf.publicKey.rawData), format: "der", type: "spki" });
  try {
    RFC3161Timestamp.parse(der as Buffer<ArrayBuffer>).verify(data, key);
    return true;
  } catch {
    return false;
  }
}

describe("grantedResponse's re-encoding guard", () => {
  it("signs once when the token survives", async () => {
    guard.calls = 0;
    expect((await stamp(0)).signs).toBe(1);
    // The message digest and the signature: two cheap checks per token, not the whole token.
    expect(guard.calls).toBe(2);
  });

  it("re-makes the token with a fresh serial while a part would not survive", async () => {
    const { der, signs, data } = await stamp(2);
    expect(signs).toBe(3);
    expect(verifies(der, data)).toBe(true);
  });

  it("gives up after four attempts and returns the last token", async () => {
    const { der, signs, data } = await stamp(100);
    expect(signs).toBe(4);
    // Under the real parser that last token is fine; the guard only ever withholds retries.
    expect(verifies(der, data)).toBe(true);
  });
});
