import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../../src/errors.js";
import { loadTrustedRoot, publicGoodTrustedRoot, trustedRootFingerprint, verifyBundle } from "../../../src/sigstore/verify/index.js";
import { fixture, fixturesUnavailable, MESSAGE_CASE } from "./fixtures.js";
import type { WireJson } from "../../helpers/wire-json.js";

type Json = Record<string, WireJson>;

const publicGood = (): Json => JSON.parse(readFileSync(new URL("../../../src/sigstore/verify/public-good-trusted_root.json", import.meta.url), "utf8")) as Json;

describe("trusted root validation", () => {
  it("loads the bundled public-good root once and caches it", () => {
    const a = publicGoodTrustedRoot();
    expect(a.requiresScts).toBe(true);
    expect(publicGoodTrustedRoot()).toBe(a);
    // The same content with another key order and whitespace is the same root.
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reverseKeys)
        : v && typeof v === "object"
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reverseKeys(x)]),
            )
          : v;
    const reordered = reverseKeys(publicGood());
    expect(loadTrustedRoot(reordered).fingerprint).toBe(a.fingerprint);
    expect(loadTrustedRoot(publicGood())).toBe(a);
  });

  it.each([
    ["tlogs", (r: Json) => delete r.tlogs[0].publicKey.validFor.start, /tlogs\[0\]\.publicKey\.validFor\.start is missing/],
    ["tlogs (no validFor)", (r: Json) => delete r.tlogs[1].publicKey.validFor, /tlogs\[1\]\.publicKey\.validFor is missing/],
    ["ctlogs", (r: Json) => delete r.ctlogs[0].publicKey.validFor.start, /ctlogs\[0\]\.publicKey\.validFor\.start is missing/],
    ["certificateAuthorities", (r: Json) => delete r.certificateAuthorities[1].validFor.start, /certificateAuthorities\[1\]\.validFor\.start is missing/],
    ["timestampAuthorities", (r: Json) => delete r.timestampAuthorities[0].validFor.start, /timestampAuthorities\[0\]\.validFor\.start is missing/],
  ])("refuses a root whose %s entry has no validFor.start", (_, mutate, message) => {
    const root = publicGood();
    mutate(root);
    expect(() => loadTrustedRoot(root)).toThrow(InvalidArgumentError);
    expect(() => loadTrustedRoot(root)).toThrow(message);
  });

  it.each([
    ["an unknown media type", (r: Json) => (r.mediaType = "application/vnd.dev.sigstore.trustedroot.v9.9+json")],
    ["no tlogs", (r: Json) => (r.tlogs = [])],
    ["a log key that is not a key", (r: Json) => (r.tlogs[0].publicKey.rawBytes = "AAAA")],
    ["a CA certificate that is not DER", (r: Json) => (r.certificateAuthorities[0].certChain.certificates[0].rawBytes = "AAAA")],
    ["a validity that ends before it starts", (r: Json) => (r.tlogs[0].publicKey.validFor.end = "2000-01-01T00:00:00Z")],
    ["a start that is not a time", (r: Json) => (r.tlogs[0].publicKey.validFor.start = "yesterday")],
    ["a CA without certificates", (r: Json) => (r.certificateAuthorities[0].certChain.certificates = [])],
  ])("refuses %s", (_, mutate) => {
    const root = publicGood();
    mutate(root);
    expect(() => loadTrustedRoot(root)).toThrow(InvalidArgumentError);
  });

  it("treats proto3 JSON null as absent for optional fields", () => {
    const root = publicGood();
    root.tlogs[0].checkpointKeyId = null;
    expect(() => loadTrustedRoot(root)).not.toThrow();
  });

  it.each([[null], [42], ["root"], [[]], [{ mediaType: 1 }]])("refuses %j without throwing anything but InvalidArgumentError", (value) => {
    expect(() => loadTrustedRoot(value)).toThrow(InvalidArgumentError);
  });

  it("fingerprints by canonical content", () => {
    expect(trustedRootFingerprint({ b: 1, a: [2, "x"] })).toBe(trustedRootFingerprint({ a: [2, "x"], b: 1 }));
  });
});

describe.skipIf(fixturesUnavailable !== undefined)("trusted root in verifyBundle", () => {
  it("answers TRUST_ROOT_INVALID (a verdict) for a tlog without validFor.start", () => {
    const c = fixture(MESSAGE_CASE);
    const root = c.trustedRoot as Json;
    for (const log of root.tlogs) delete log.publicKey.validFor.start;
    const result = verifyBundle({
      bundle: c.bundle,
      artifact: { content: c.artifact },
      trustedRoot: root,
      expected: { subject: c.identity!, issuer: c.issuer! },
    });
    expect(result.verified).toBe(false);
    expect(result.failures.map((f) => f.code)).toEqual(["TRUST_ROOT_INVALID"]);
    expect(result.failures[0]!.message).toContain("validFor.start is missing");
  });

  it("verifies with a handle as well as with JSON", () => {
    const c = fixture(MESSAGE_CASE);
    const handle = loadTrustedRoot(c.trustedRoot);
    const result = verifyBundle({
      bundle: c.bundle,
      artifact: { content: c.artifact },
      trustedRoot: handle,
      expected: { subject: c.identity!, issuer: c.issuer! },
    });
    expect(result.verified).toBe(true);
  });

  it("requires SCTs exactly when the root lists CT logs", () => {
    const c = fixture(MESSAGE_CASE);
    const root = c.trustedRoot as Json;
    const withCt = loadTrustedRoot(root);
    root.ctlogs = [];
    const withoutCt = loadTrustedRoot(root);
    expect(withCt.requiresScts).toBe(true);
    expect(withoutCt.requiresScts).toBe(false);
  });
});
