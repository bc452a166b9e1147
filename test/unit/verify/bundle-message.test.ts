/**
 * The protobuf fast path (`bundle-message.ts`) against the JSON route it shortcuts: for every
 * conformance bundle and thousands of mutants of the happy paths (each leaf changed, emptied or
 * removed), decoded as the Verify RPC decodes them, a bundle the fast path accepts must be one
 * the JSON route (`toJson`, then `parseBundle`) accepts, and equal to it in every field. What the
 * fast path declines takes the JSON route, so only acceptance needs holding to it.
 */
import { fromBinary, fromJson, toBinary, toJson, type JsonValue } from "@bufbuild/protobuf";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { RFC3161Timestamp } from "@sigstore/core";
import { describe, expect, it } from "vitest";
import { CheckedBundle, MAX_MESSAGE_BYTES } from "../../../src/sigstore/verify/bundle-message.js";
import { parseBundle } from "../../../src/sigstore/verify/bundle-parse.js";
import { judgeTask } from "../../../src/verify-pool/judge.js";
import { loadCases } from "../../conformance/cases.js";
import { leaves, mutate, setAt, type Path } from "../../helpers/json-mutation.js";
import { DSSE_CASE, fixture, fixturesUnavailable, KEY_CASE, MESSAGE_CASE, REKOR2_CASE } from "./fixtures.js";

/** The message a worker decodes for a JSON bundle, with its binary size; undefined when the RPC refuses it. */
function asWorkerReceives(json: unknown): { message: ReturnType<typeof fromBinary<typeof BundleSchema>>; size: number } | undefined {
  let binary: Uint8Array;
  try {
    binary = toBinary(BundleSchema, fromJson(BundleSchema, json as JsonValue));
  } catch {
    return undefined;
  }
  return { message: fromBinary(BundleSchema, binary), size: binary.byteLength };
}

/** Compares the two routes on one bundle; returns whether the fast path took it. */
function sameAsJsonRoute(json: unknown, label: string): boolean {
  const received = asWorkerReceives(json);
  if (received === undefined) return false;
  const fast = CheckedBundle.fromMessage(received.message, received.size);
  if (fast === undefined) return false;
  const slow = parseBundle(toJson(BundleSchema, received.message));
  expect(slow.ok ? "accepted" : slow.failure.message, label).toBe("accepted");
  if (slow.ok) expect(fast.bundle, label).toStrictEqual(slow.bundle);
  return true;
}

/** Every leaf of `bundle` changed, emptied and removed, and every object removed. */
function* mutants(bundle: unknown): Generator<{ label: string; json: unknown }> {
  for (const { path, value } of leaves(bundle)) {
    const at = path.join(".");
    yield { label: `${at} changed`, json: setAt(bundle, path, mutate(value, 3, 0x20)) };
    yield { label: `${at} emptied`, json: setAt(bundle, path, typeof value === "number" ? 0 : "") };
    yield { label: `${at} removed`, json: setAt(bundle, path, undefined) };
    if (typeof value === "string" && /^\d+$/.test(value)) yield { label: `${at} negative`, json: setAt(bundle, path, `-${value}`) };
    // An enum by number, known to both libraries or only to the message's (proto3 enums are open).
    if (path.at(-1) === "algorithm") for (let n = -1; n <= 8; n++) yield { label: `${at} = ${n}`, json: setAt(bundle, path, n) };
  }
  const objects: Path[] = [];
  const walk = (v: unknown, path: Path): void => {
    if (v && typeof v === "object") {
      if (path.length > 0) objects.push(path);
      for (const [k, child] of Object.entries(v)) walk(child, [...path, Array.isArray(v) ? Number(k) : k]);
    }
  };
  walk(bundle, []);
  for (const path of objects) {
    yield { label: `${path.join(".")} removed`, json: setAt(bundle, path, undefined) };
    yield { label: `${path.join(".")} emptied`, json: setAt(bundle, path, {}) };
  }
}

describe.skipIf(fixturesUnavailable !== undefined)("bundles built from the protobuf message", () => {
  it("equal the JSON route's bundle for every conformance bundle the fast path takes", () => {
    let taken = 0;
    for (const c of loadCases()) if (sameAsJsonRoute(c.bundle, c.name)) taken++;
    // Most of the corpus is well formed and small: the fast path must be the common route.
    console.log(`[bundle-message] conformance bundles taken by the fast path: ${taken}`);
    expect(taken).toBeGreaterThan(40);
  });

  it("takes the happy paths of every kind (message signature, DSSE, Rekor v2 with RFC 3161, public key)", () => {
    for (const name of [MESSAGE_CASE, DSSE_CASE, REKOR2_CASE, KEY_CASE]) expect(sameAsJsonRoute(fixture(name).bundle, name), name).toBe(true);
  });

  it("equal the JSON route's bundle for every mutant of the happy paths it takes, and declines the rest", () => {
    let taken = 0;
    let declined = 0;
    for (const name of [MESSAGE_CASE, DSSE_CASE, REKOR2_CASE, KEY_CASE]) {
      for (const { label, json } of mutants(fixture(name).bundle)) {
        if (sameAsJsonRoute(json, `${name}: ${label}`)) taken++;
        else declined++;
      }
    }
    console.log(`[bundle-message] mutants: ${taken} taken by the fast path, ${declined} declined or undecodable`);
    expect(taken).toBeGreaterThan(100);
    expect(declined).toBeGreaterThan(100);
  });

  it("keeps each RFC 3161 token's parse tree, in order, as RFC3161Timestamp.parse makes it", () => {
    const received = asWorkerReceives(fixture(REKOR2_CASE).bundle)!;
    const checked = CheckedBundle.fromMessage(received.message, received.size)!;
    const tokens = checked.bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? [];
    expect(tokens.length).toBeGreaterThan(0);
    expect(checked.timestampTrees).toHaveLength(tokens.length);
    tokens.forEach((t, i) => {
      const parsed = RFC3161Timestamp.parse(Buffer.from(t.signedTimestamp));
      const kept = new RFC3161Timestamp(checked.timestampTrees[i]!);
      expect(kept.root.toDER()).toEqual(parsed.root.toDER());
      expect(kept.signingTime).toEqual(parsed.signingTime);
      expect(kept.signerSerialNumber).toEqual(parsed.signerSerialNumber);
    });
  });

  it("leaves a bundle larger than MAX_MESSAGE_BYTES to the JSON route, which applies its bounds", () => {
    const c = fixture(DSSE_CASE);
    const bundle = c.bundle as { verificationMaterial: { tlogEntries: { inclusionProof?: { hashes: string[] } }[] } };
    const proof = bundle.verificationMaterial.tlogEntries[0]!.inclusionProof!;
    proof.hashes = Array.from({ length: 12_000 }, () => "");
    const received = asWorkerReceives(bundle)!;
    expect(received.size).toBeGreaterThan(MAX_MESSAGE_BYTES);
    expect(CheckedBundle.fromMessage(received.message, received.size)).toBeUndefined();
    const reply = judgeTask(
      {
        id: 1,
        bundle: { binary: toBinary(BundleSchema, received.message) },
        artifact: { digest: c.artifactDigest },
        root: { kind: "json", json: c.trustedRoot },
        expected: { subject: c.identity ?? "", ...(c.issuer ? { issuer: c.issuer } : {}) },
      },
      undefined,
    );
    expect("result" in reply && reply.result.failures.map((f) => f.message)).toEqual(["bundle is more than 10000 JSON values"]);
  });
});
