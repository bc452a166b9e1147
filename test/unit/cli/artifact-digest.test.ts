/**
 * `certus-trust verify --artifact` sends the digest in the algorithm the bundle names its artifact by.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { artifactDigestFor } from "../../../src/cli/artifact-digest.js";

const FIXTURES = path.join(import.meta.dirname, "../../fixtures/real-world");
const bundle = (name: string): unknown => JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8"));
const bytes = Buffer.from("some artifact");
const digest = (algorithm: string) => `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
const dsse = (payloadType: string, payload: unknown) => ({
  dsseEnvelope: { payloadType, payload: Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload)).toString("base64") },
});

describe("artifactDigestFor", () => {
  it("uses sha512 for npm provenance, whose subjects are named by sha512 only", () => {
    expect(artifactDigestFor(bytes, bundle("npm-provenance-sha512.sigstore.json"))).toBe(digest("sha512"));
  });

  it("uses the message digest's algorithm for a message signature", () => {
    expect(artifactDigestFor(bytes, bundle("sharded-v1-wheel.sigstore.json"))).toBe(digest("sha256"));
    expect(artifactDigestFor(bytes, { messageSignature: { messageDigest: { algorithm: "SHA2_384", digest: "" } } })).toBe(digest("sha384"));
  });

  it("prefers sha256 when a statement offers it, and falls back to sha256 for anything else", () => {
    const statement = { _type: "https://in-toto.io/Statement/v1", subject: [{ digest: { sha512: "00", sha256: "11" } }] };
    expect(artifactDigestFor(bytes, dsse("application/vnd.in-toto+json", statement))).toBe(digest("sha256"));
    expect(artifactDigestFor(bytes, dsse("text/plain", "hello"))).toBe(digest("sha256"));
    expect(artifactDigestFor(bytes, dsse("application/vnd.in-toto+json", "not json"))).toBe(digest("sha256"));
    expect(artifactDigestFor(bytes, null)).toBe(digest("sha256"));
  });
});
