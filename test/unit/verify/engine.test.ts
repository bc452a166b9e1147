import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../../src/errors.js";
import { FAILURE_CODES, loadTrustedRoot, verifyBundle } from "../../../src/sigstore/verify/index.js";
import { DSSE_CASE, fixture, fixturesUnavailable, MESSAGE_CASE, REKOR2_CASE } from "./fixtures.js";
import type { WireJson } from "../../helpers/wire-json.js";

type Json = Record<string, WireJson>;

describe.skipIf(fixturesUnavailable !== undefined)("verifyBundle", () => {
  const request = (name: string, over: Partial<Parameters<typeof verifyBundle>[0]> = {}) => {
    const c = fixture(name);
    return {
      c,
      req: {
        bundle: c.bundle,
        artifact: { digest: c.artifactDigest },
        trustedRoot: c.trustedRoot,
        expected: { subject: c.identity!, issuer: c.issuer! },
        ...over,
      },
    };
  };

  it("verifies a message signature from the digest alone and reports entry, signer and timestamps", () => {
    const { c, req } = request(MESSAGE_CASE);
    const result = verifyBundle(req);
    expect(result).toMatchObject({ verified: true, failures: [], signer: { subject: c.identity, issuer: c.issuer } });
    expect(result.entry?.logIndex).toMatch(/^\d+$/);
    expect(result.entry?.uuid).toMatch(/^[0-9a-f]{64}$/);
    expect(result.timestamps.map((t) => t.source)).toEqual(["TLOG"]);
  });

  it("reports RFC 3161 timestamps and no uuid for Rekor v2", () => {
    const result = verifyBundle(request(REKOR2_CASE).req);
    expect(result.verified).toBe(true);
    expect(result.entry?.uuid).toBeUndefined();
    expect(result.timestamps.map((t) => t.source)).toEqual(["RFC3161"]);
  });

  it.each([MESSAGE_CASE, DSSE_CASE])("%s: another artifact is DIGEST_MISMATCH, from the digest and from bytes", (name) => {
    const other = Buffer.from("another artifact");
    for (const artifact of [{ content: other }, { digest: `sha256:${createHash("sha256").update(other).digest("hex")}` }]) {
      const result = verifyBundle({ ...request(name).req, artifact });
      expect(result.failures.map((f) => f.code)).toEqual(["DIGEST_MISMATCH"]);
    }
  });

  it("names a flipped signature byte SIGNATURE_INVALID, not a log body mismatch", () => {
    const { c, req } = request(MESSAGE_CASE);
    const sig = Buffer.from((c.bundle as Json).messageSignature.signature, "base64");
    sig.writeUInt8(sig.readUInt8(sig.length - 3) ^ 0x01, sig.length - 3);
    (req.bundle as Json).messageSignature.signature = sig.toString("base64");
    for (const artifact of [{ content: c.artifact }, { digest: c.artifactDigest }]) {
      const result = verifyBundle({ ...req, artifact });
      expect(result.failures[0]?.code).toBe("SIGNATURE_INVALID");
      expect(result.failures.map((f) => f.code)).not.toContain("TLOG_BODY_MISMATCH");
    }
  });

  it("reports every independent failure, most fundamental first, with closed codes", () => {
    const { req } = request(MESSAGE_CASE);
    const result = verifyBundle({ ...req, artifact: { digest: `sha256:${"0".repeat(64)}` }, expected: { subject: "someone@else", issuer: "https://x" } });
    expect(result.failures.map((f) => f.code)).toEqual(["DIGEST_MISMATCH", "SIGNER_MISMATCH", "ISSUER_MISMATCH"]);
    for (const f of result.failures) expect(FAILURE_CODES).toContain(f.code);
  });

  it("refuses a malformed request by throwing InvalidArgumentError (a caller's mistake, not a verdict)", () => {
    const { req } = request(MESSAGE_CASE);
    expect(() => verifyBundle({ ...req, artifact: { digest: "md5:abc" } })).toThrow(InvalidArgumentError);
    expect(() => verifyBundle({ ...req, expected: {} })).toThrow(InvalidArgumentError);
    expect(() => verifyBundle({ ...req, expected: { issuer: "https://token.actions.githubusercontent.com" } })).toThrow(InvalidArgumentError);
    expect(() => verifyBundle({ ...req, expected: { subjectRegexp: "(" } })).toThrow(InvalidArgumentError);
    expect(() => verifyBundle({ ...req, expected: { subject: "a", subjectRegexp: "a" } })).toThrow(InvalidArgumentError);
  });

  it("answers KEY_MISMATCH when a key is expected but the bundle has a certificate", () => {
    const { req } = request(MESSAGE_CASE);
    const pem =
      "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAExRRST79+PsrRBnGAI4cMu6Omz2Jh\nfwlMW+gIutNKVRaMyS4rQKvgngc5p8UbLj55pVHhIoAxi/SRgURZI0J3Xw==\n-----END PUBLIC KEY-----\n";
    expect(verifyBundle({ ...req, expected: { publicKey: pem } }).failures.map((f) => f.code)).toEqual(["KEY_MISMATCH"]);
  });
});

describe.skipIf(fixturesUnavailable !== undefined)("hostile bundles are a BUNDLE_MALFORMED verdict, never an exception", () => {
  const c = fixturesUnavailable ? undefined : fixture(MESSAGE_CASE);
  const root = c ? loadTrustedRoot(c.trustedRoot) : undefined;
  const decide = (bundle: unknown) =>
    verifyBundle({ bundle, artifact: { digest: c!.artifactDigest }, trustedRoot: root, expected: { subject: c!.identity!, issuer: c!.issuer! } });

  let deep: Json = {};
  for (let i = 0; i < 100_000; i++) deep = { a: deep };

  const hostile: [string, () => unknown][] = [
    ["null", () => null],
    ["a number", () => 42],
    ["a string", () => "{"],
    ["an array", () => [c!.bundle]],
    ["100 000 levels of nesting", () => ({ ...(c!.bundle as Json), deep })],
    ["a 5 MB string", () => ({ ...(c!.bundle as Json), junk: "A".repeat(5_000_000) })],
    [
      "a long near-base64 signature",
      () => ({ ...(c!.bundle as Json), messageSignature: { ...(c!.bundle as Json).messageSignature, signature: `${"A".repeat(200_000)}!` } }),
    ],
    ["wrong types everywhere", () => ({ mediaType: (c!.bundle as Json).mediaType, messageSignature: 5, verificationMaterial: "x" })],
    [
      "tlogEntries as an object",
      () => ({ ...(c!.bundle as Json), verificationMaterial: { ...(c!.bundle as Json).verificationMaterial, tlogEntries: { 0: 1 } } }),
    ],
    [
      "a certificate that is not DER",
      () => {
        const b = structuredClone(c!.bundle) as Json;
        b.verificationMaterial.certificate.rawBytes = Buffer.from("not a certificate").toString("base64");
        return b;
      },
    ],
    [
      "a canonicalized body that is not JSON",
      () => {
        const b = structuredClone(c!.bundle) as Json;
        b.verificationMaterial.tlogEntries[0].canonicalizedBody = Buffer.from("{{{").toString("base64");
        return b;
      },
    ],
    ["a prototype-polluting key", () => JSON.parse(`{"__proto__": {"verified": true}, "mediaType": "${(c!.bundle as Json).mediaType}"}`)],
  ];

  it.each(hostile)("%s", (_, make) => {
    const started = performance.now();
    const result = decide(make());
    expect(result.verified).toBe(false);
    expect(result.failures.length).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
