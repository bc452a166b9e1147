/**
 * Real-world bundle shapes (issue #18): bundles from public Sigstore clients' test suites
 * (test/fixtures/real-world/README.md names each source) and, where no public bundle exists for a
 * class, bundles made here with the embedded stack. Each class is verified from the bytes and from
 * the digest where the bytes are public, in both engine modes, and a one-byte change to its
 * signature, payload, certificate, proof or timestamp is rejected with the code that names it.
 */
import { createHash, generateKeyPairSync, sign as cryptoSign } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { bundleFromJSON, bundleToJSON } from "@sigstore/bundle";
import { DSSEBundleBuilder, type Signer } from "@sigstore/sign";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedStack } from "../../../src/sigstore/embedded/stack.js";
import { evaluateInnerSigners } from "../../../src/policy/evaluate.js";
import type { Policy } from "../../../src/policy/model.js";
import { checkLoggedSigner } from "../../../src/sigstore/verify/consistency.js";
import { loadTrustedRoot, verifyBundle, type ExpectedSigner, type VerificationResult } from "../../../src/sigstore/verify/index.js";
import { setAt, type Path } from "../../helpers/json-mutation.js";

const FIXTURES = path.join(import.meta.dirname, "../../fixtures/real-world");
const at = (name: string): string => path.join(FIXTURES, name);
const json = (name: string): unknown => JSON.parse(readFileSync(at(name), "utf8"));
const bytes = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));
const hex = (algorithm: string, data: Buffer) => `${algorithm}:${createHash(algorithm).update(data).digest("hex")}`;

type ArtifactInput = { content: Uint8Array } | { digest: string };

/** Verifies in both engine modes and requires them to agree. */
function verify(bundle: unknown, artifact: ArtifactInput, trustedRoot: unknown, expected: ExpectedSigner): VerificationResult {
  const fast = verifyBundle({ bundle, artifact, trustedRoot, expected });
  const slow = verifyBundle({ bundle, artifact, trustedRoot, expected }, { memoize: false });
  expect({ verified: slow.verified, codes: codes(slow) }).toEqual({ verified: fast.verified, codes: codes(fast) });
  return fast;
}

const codes = (r: VerificationResult) => r.failures.map((f) => f.code);

/**
 * The value at `path` with one byte of its base64 changed: in the middle, or the last byte. A
 * certificate and an RFC 3161 timestamp end with their signature value, so "last" changes what is
 * signed-over evidence rather than an unsigned copy (a timestamp embeds its TSA's certificate,
 * which verification takes from the trusted root instead).
 */
function flipAt(root: unknown, at: Path, index: "middle" | "last" = "middle"): unknown {
  let node = root as Record<string | number, unknown>;
  for (const key of at) node = node[key] as Record<string | number, unknown>;
  const value = node as unknown as string;
  const decoded = Buffer.from(value, "base64");
  const i = index === "middle" ? decoded.length >> 1 : decoded.length - 1;
  decoded[i] = decoded[i]! ^ 0x01;
  return setAt(root, at, decoded.toString("base64"));
}

function withoutKey(root: unknown, at: Path, key: string): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const k of at) node = node[k] as Record<string | number, unknown>;
  Reflect.deleteProperty(node, key);
  return copy;
}

const ENTRY: Path = ["verificationMaterial", "tlogEntries", 0];
const PROOF_HASH: Path = [...ENTRY, "inclusionProof", "hashes", 0];

describe("real-world bundles from public client test suites", () => {
  describe("sharded Rekor v1: global logIndex differs from the shard's proof index", () => {
    const bundle = json("sharded-v1-wheel.sigstore.json");
    const root = json("trusted-root-public-good-2023.json");
    const wheel = bytes("sharded-v1-wheel.whl");
    const expected = {
      subject: "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2",
      issuer: "https://token.actions.githubusercontent.com",
    };

    it("verifies from the bytes and from the digest, and reports version and shard", () => {
      for (const artifact of [{ content: wheel }, { digest: hex("sha256", wheel) }]) {
        const r = verify(bundle, artifact, root, expected);
        expect(r.failures).toEqual([]);
        expect(r.entry).toMatchObject({ logIndex: "79605083", shardLogIndex: "75441652", rekorVersion: 1, shard: "rekor.sigstore.dev - 2605736670972794746" });
      }
    });

    it("without its SET, a v1 entry is still v1: no logIndex complaint, only the missing signing time", () => {
      const stripped = withoutKey(bundle, ENTRY, "inclusionPromise");
      expect(codes(verify(stripped, { content: wheel }, root, expected))).toEqual(["TIMESTAMP_MISSING"]);
      // The public bundle sigstore-python publishes in that shape (inclusion proof, no SET, no TSA).
      const noSet = verify(json("sharded-v1-no-set.sigstore.json"), { content: bytes("sharded-v1-no-set.txt") }, root, {
        subject: "william@yossarian.net",
        issuer: "https://github.com/login/oauth",
      });
      expect(codes(noSet)).toEqual(["TIMESTAMP_MISSING"]);
      expect(noSet.entry).toMatchObject({ logIndex: "154562758", shardLogIndex: "32658496", rekorVersion: 1 });
    });

    it.each([
      ["signature", ["messageSignature", "signature"], "SIGNATURE_INVALID"],
      ["message digest", ["messageSignature", "messageDigest", "digest"], "DIGEST_MISMATCH"],
      ["certificate", ["verificationMaterial", "x509CertificateChain", "certificates", 0, "rawBytes"], "CERT_CHAIN_INVALID"],
      ["inclusion proof", PROOF_HASH, "TLOG_INCLUSION_INVALID"],
      ["SET (the timestamp)", [...ENTRY, "inclusionPromise", "signedEntryTimestamp"], "SET_INVALID"],
    ] as [string, Path, string][])("a flipped byte in the %s (at %j) is %s", (_, at, code) => {
      const r = verify(flipAt(bundle, at), { content: wheel }, root, expected);
      expect(r.verified).toBe(false);
      expect(codes(r)).toContain(code);
    });
  });

  describe("Rekor v2 hashedrekord with an RFC 3161 timestamp", () => {
    const bundle = json("rekor-v2-hashedrekord.sigstore.json");
    const root = json("trusted-root-staging.json");
    const artifact = bytes("rekor-v2-hashedrekord.txt");
    const expected = { subject: "jku@goto.fi", issuer: "https://github.com/login/oauth" };

    it("verifies from the bytes and from the digest, and reports Rekor v2 and its log", () => {
      for (const a of [{ content: artifact }, { digest: hex("sha256", artifact) }]) {
        const r = verify(bundle, a, root, expected);
        expect(r.failures).toEqual([]);
        expect(r.entry).toMatchObject({ rekorVersion: 2, shard: "log2025-alpha1.rekor.sigstage.dev", logIndex: "645", shardLogIndex: "645" });
        expect(r.entry?.uuid).toBeUndefined();
      }
    });

    it("a v2 entry's logIndex must still be its proof's", () => {
      const r = verify(setAt(bundle, [...ENTRY, "logIndex"], "646"), { content: artifact }, root, expected);
      expect(codes(r)).toContain("TLOG_INCLUSION_INVALID");
    });

    it.each([
      ["signature", ["messageSignature", "signature"], "SIGNATURE_INVALID"],
      ["message digest", ["messageSignature", "messageDigest", "digest"], "DIGEST_MISMATCH"],
      ["certificate", ["verificationMaterial", "certificate", "rawBytes"], "CERT_CHAIN_INVALID"],
      ["inclusion proof", PROOF_HASH, "TLOG_INCLUSION_INVALID"],
      ["RFC 3161 timestamp", ["verificationMaterial", "timestampVerificationData", "rfc3161Timestamps", 0, "signedTimestamp"], "TIMESTAMP_INVALID"],
    ] as [string, Path, string][])("a flipped byte in the %s (at %j) is %s", (_, at, code) => {
      const r = verify(flipAt(bundle, at, "last"), { digest: hex("sha256", artifact) }, root, expected);
      expect(r.verified).toBe(false);
      expect(codes(r)).toContain(code);
    });
  });

  describe("npm provenance: in-toto subjects with sha512 only", () => {
    const bundle = json("npm-provenance-sha512.sigstore.json");
    const root = json("trusted-root-public-good-2023.json");
    const statement = JSON.parse(Buffer.from((bundle as { dsseEnvelope: { payload: string } }).dsseEnvelope.payload, "base64").toString("utf8")) as {
      subject: { digest: { sha512: string } }[];
    };
    const sha512 = statement.subject[0]!.digest.sha512;
    const expected = {
      subjectRegexp: "https://github\\.com/sigstore/sigstore-js/\\.github/workflows/release\\.yml@refs/heads/main",
      issuer: "https://token.actions.githubusercontent.com",
    };

    it("verifies from the sha512 digest (any hex case)", () => {
      expect(verify(bundle, { digest: `sha512:${sha512}` }, root, expected).failures).toEqual([]);
      expect(verify(bundle, { digest: `sha512:${sha512.toUpperCase()}` }, root, expected).failures).toEqual([]);
    });

    it("a sha256 digest cannot name a sha512-only subject; another sha512 is not the artifact", () => {
      expect(codes(verify(bundle, { digest: `sha256:${"ab".repeat(32)}` }, root, expected))).toEqual(["DIGEST_MISMATCH"]);
      expect(codes(verify(bundle, { digest: `sha512:${"ab".repeat(64)}` }, root, expected))).toEqual(["DIGEST_MISMATCH"]);
    });

    it.each([
      ["signature", ["dsseEnvelope", "signatures", 0, "sig"], "SIGNATURE_INVALID"],
      ["payload", ["dsseEnvelope", "payload"], "SIGNATURE_INVALID"],
      ["certificate", ["verificationMaterial", "x509CertificateChain", "certificates", 0, "rawBytes"], "CERT_CHAIN_INVALID"],
      ["inclusion proof", PROOF_HASH, "TLOG_INCLUSION_INVALID"],
      ["SET (the timestamp)", [...ENTRY, "inclusionPromise", "signedEntryTimestamp"], "SET_INVALID"],
    ] as [string, Path, string][])("a flipped byte in the %s (at %j) is %s", (_, at, code) => {
      const r = verify(flipAt(bundle, at), { digest: `sha512:${sha512}` }, root, expected);
      expect(r.verified).toBe(false);
      expect(codes(r)).toContain(code);
    });
  });

  describe("otherName username SAN, checkpoint signed under a name that is not in the log's baseUrl", () => {
    const bundle = json("othername-private-checkpoint.sigstore.json");
    const root = json("trusted-root-scaffolding.json");
    const digest = `sha256:${Buffer.from((bundle as { messageSignature: { messageDigest: { digest: string } } }).messageSignature.messageDigest.digest, "base64").toString("hex")}`;
    const ISSUER = "http://oidc.local:8080";

    it("verifies against the username exactly or by regexp, and reports it as the signer", () => {
      for (const expected of [{ subject: "foo!oidc.local", issuer: ISSUER }, { subjectRegexp: "foo!oidc\\.local" }]) {
        const r = verify(bundle, { digest }, root, expected);
        expect(r.failures).toEqual([]);
        expect(r.signer).toEqual({ subject: "foo!oidc.local", issuer: ISSUER });
      }
      expect(codes(verify(bundle, { digest }, root, { subject: "bar!oidc.local", issuer: ISSUER }))).toEqual(["SIGNER_MISMATCH"]);
      expect(codes(verify(bundle, { digest }, root, { subjectRegexp: "foo" }))).toEqual(["SIGNER_MISMATCH"]);
    });

    const CHECKPOINT: Path = [...ENTRY, "inclusionProof", "checkpoint", "envelope"];
    const envelope = (bundle as { verificationMaterial: { tlogEntries: { inclusionProof: { checkpoint: { envelope: string } } }[] } }).verificationMaterial
      .tlogEntries[0]!.inclusionProof.checkpoint.envelope;

    it("refuses the checkpoint when its signature is changed or its name speaks for another origin", () => {
      const [body, sigLine] = envelope.split("\n\n") as [string, string];
      const [dash, name, sig] = sigLine.trimEnd().split(" ") as [string, string, string];
      const raw = Buffer.from(sig, "base64");
      raw[raw.length - 1]! ^= 0x01;
      const badSig = `${body}\n\n${dash} ${name} ${raw.toString("base64")}\n`;
      expect(codes(verify(setAt(bundle, CHECKPOINT, badSig), { digest }, root, { subject: "foo!oidc.local" }))).toContain("CHECKPOINT_INVALID");
      const otherName = `${body}\n\n${dash} rekor.example.org ${sig}\n`;
      expect(codes(verify(setAt(bundle, CHECKPOINT, otherName), { digest }, root, { subject: "foo!oidc.local" }))).toContain("CHECKPOINT_INVALID");
    });

    it.each([
      ["signature", ["messageSignature", "signature"], "SIGNATURE_INVALID"],
      ["message digest", ["messageSignature", "messageDigest", "digest"], "DIGEST_MISMATCH"],
      ["certificate", ["verificationMaterial", "certificate", "rawBytes"], "CERT_CHAIN_INVALID"],
      ["inclusion proof", PROOF_HASH, "TLOG_INCLUSION_INVALID"],
      ["SET (the timestamp)", [...ENTRY, "inclusionPromise", "signedEntryTimestamp"], "SET_INVALID"],
    ] as [string, Path, string][])("a flipped byte in the %s (at %j) is %s", (_, at, code) => {
      const r = verify(flipAt(bundle, at), { digest }, root, { subject: "foo!oidc.local" });
      expect(r.verified).toBe(false);
      expect(codes(r)).toContain(code);
    });
  });

  it("policies: an otherName username rule and a sha512 artifact digest", () => {
    const rule = (subject: string, root: string): Policy["innerSigners"][number] => ({
      subject,
      trustRoot: { kind: "file", path: at(root), json: json(root) },
    });
    const policy = (rules: Policy["innerSigners"]): Policy => ({ name: "p", version: "1", mode: "enforce", match: "any-of", innerSigners: rules });
    const roots = { service: loadTrustedRoot(json("trusted-root-scaffolding.json")) };
    const othername = json("othername-private-checkpoint.sigstore.json");
    const digest = `sha256:${Buffer.from((othername as { messageSignature: { messageDigest: { digest: string } } }).messageSignature.messageDigest.digest, "base64").toString("hex")}`;
    const ok = evaluateInnerSigners(policy([rule("foo!oidc.local", "trusted-root-scaffolding.json")]), [othername], digest, roots);
    expect(ok.allowed, ok.reasons.join("; ")).toBe(true);
    expect(ok.inner[0]!.signer).toEqual({ subject: "foo!oidc.local", issuer: "http://oidc.local:8080" });
    expect(evaluateInnerSigners(policy([rule("bar!oidc.local", "trusted-root-scaffolding.json")]), [othername], digest, roots).allowed).toBe(false);

    const npm = json("npm-provenance-sha512.sigstore.json");
    const sha512 = JSON.parse(Buffer.from((npm as { dsseEnvelope: { payload: string } }).dsseEnvelope.payload, "base64").toString("utf8")).subject[0].digest
      .sha512 as string;
    const npmRule = {
      subjectRegexp: "https://github\\.com/sigstore/sigstore-js/.*",
      issuer: "https://token.actions.githubusercontent.com",
      trustRoot: { kind: "file" as const, path: at("trusted-root-public-good-2023.json"), json: json("trusted-root-public-good-2023.json") },
    };
    expect(evaluateInnerSigners(policy([npmRule]), [npm], `sha512:${sha512}`, roots).allowed).toBe(true);
    expect(evaluateInnerSigners(policy([npmRule]), [npm], `sha512:${"00".repeat(64)}`, roots).allowed).toBe(false);
  });

  it("position: RFC 3161 timestamps that do not verify refuse the bundle even beside a valid SET (sigstore-python skips them)", () => {
    const bundle = json("tsa-unverifiable-timestamps.sigstore.json");
    const root = json("trusted-root-test-tsa.json");
    const artifact = { content: bytes("many-timestamps.txt") };
    const expected = { subject: "alexis.challande@trailofbits.com", issuer: "https://accounts.google.com" };
    expect(codes(verify(bundle, artifact, root, expected))).toEqual(["TIMESTAMP_INVALID"]);
    // Without them the SET is a verified signing time and the bundle verifies: only the timestamps are refused.
    const withoutTimestamps = withoutKey(bundle, ["verificationMaterial"], "timestampVerificationData");
    expect(verify(withoutTimestamps, artifact, root, expected).failures).toEqual([]);
  });

  it("position: a v0.1 bundle whose chain carries the self-signed root stays refused (conformance bundle-with-root-cert_fail)", () => {
    const bundle = json("v01-chain-with-root.sigstore.json");
    const statement = JSON.parse(Buffer.from((bundle as { dsseEnvelope: { payload: string } }).dsseEnvelope.payload, "base64").toString("utf8")) as {
      subject: { digest: { sha512: string } }[];
    };
    const r = verify(bundle, { digest: `sha512:${statement.subject[0]!.digest.sha512}` }, json("trusted-root-public-good-2023.json"), {
      subjectRegexp: ".*",
      issuer: "https://token.actions.githubusercontent.com",
    });
    expect(codes(r)).toEqual(["CERT_CHAIN_INVALID"]);
  });
});

describe("bundles made with the embedded stack (no public bundle of these shapes)", () => {
  const IDENTITY = "builder@certus.example";
  const ISSUER = "https://issuer.certus.example";
  const expected = { subject: IDENTITY, issuer: ISSUER };
  let dir: string;
  let stack: EmbeddedStack;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "certus-real-world-"));
    stack = await EmbeddedStack.open({
      dataDir: dir,
      publicUrl: "http://127.0.0.1:9",
      identity: "certus-trust@certus.example",
      issuer: ISSUER,
      defaultIssuer: ISSUER,
    });
  });
  afterAll(async () => {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A DSSE bundle (certificate, log entry with SET and proof, RFC 3161 timestamp) over `data`. */
  async function dsse(payloadType: string, data: Buffer): Promise<unknown> {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const cert = await stack.ca.issueLeaf({ publicKey: publicKey.export({ format: "der", type: "spki" }), identity: IDENTITY, oidcIssuer: ISSUER });
    const signer: Signer = {
      sign: (pae: Buffer) =>
        Promise.resolve({ signature: cryptoSign("sha256", pae, privateKey), key: { $case: "x509Certificate", certificate: cert.certificatePem } }),
    };
    const bundle = await new DSSEBundleBuilder({ signer, witnesses: stack.witnessesFor({}).all }).create({ data, type: payloadType });
    return bundleToJSON(bundle);
  }

  describe("DSSE with a payload type other than in-toto binds its payload", () => {
    const artifact = Buffer.from("release notes v1.2.3\n");

    it("verifies from the bytes and from every digest of the payload; another artifact is DIGEST_MISMATCH", async () => {
      const bundle = await dsse("text/plain", artifact);
      for (const a of [{ content: artifact }, { digest: hex("sha256", artifact) }, { digest: hex("sha384", artifact) }, { digest: hex("sha512", artifact) }]) {
        expect(verify(bundle, a, stack.trustedRoot, expected).failures).toEqual([]);
      }
      const other = Buffer.from("release notes v1.2.4\n");
      expect(codes(verify(bundle, { content: other }, stack.trustedRoot, expected))).toEqual(["DIGEST_MISMATCH"]);
      expect(codes(verify(bundle, { digest: hex("sha256", other) }, stack.trustedRoot, expected))).toEqual(["DIGEST_MISMATCH"]);
    });

    it.each([
      ["signature", ["dsseEnvelope", "signatures", 0, "sig"], "SIGNATURE_INVALID"],
      ["certificate", ["verificationMaterial", "certificate", "rawBytes"], "CERT_CHAIN_INVALID"],
      ["SET", [...ENTRY, "inclusionPromise", "signedEntryTimestamp"], "SET_INVALID"],
      ["RFC 3161 timestamp", ["verificationMaterial", "timestampVerificationData", "rfc3161Timestamps", 0, "signedTimestamp"], "TIMESTAMP_INVALID"],
      ["checkpoint root", [...ENTRY, "inclusionProof", "rootHash"], "TLOG_INCLUSION_INVALID"],
    ] as [string, Path, string][])("a flipped byte in the %s (at %j) is %s", async (_, at, code) => {
      const bundle = await dsse("text/plain", artifact);
      const r = verify(flipAt(bundle, at, "last"), { digest: hex("sha256", artifact) }, stack.trustedRoot, expected);
      expect(r.verified).toBe(false);
      expect(codes(r)).toContain(code);
    });

    it("a changed payload is neither the artifact nor what was signed", async () => {
      const bundle = await dsse("text/plain", artifact);
      const r = verify(flipAt(bundle, ["dsseEnvelope", "payload"]), { content: artifact }, stack.trustedRoot, expected);
      expect(codes(r)).toEqual(expect.arrayContaining(["DIGEST_MISMATCH", "SIGNATURE_INVALID"]));
    });
  });

  describe("in-toto statements with sha512 subjects, from the bytes", () => {
    const tarball = Buffer.from("package/package.json {}\n");
    const statement = (digest: Record<string, string>) =>
      Buffer.from(
        JSON.stringify({
          _type: "https://in-toto.io/Statement/v1",
          subject: [{ name: "pkg:npm/x@1.0.0", digest }],
          predicateType: "https://slsa.dev/provenance/v1",
          predicate: {},
        }),
      );

    it("computes every algorithm the statement uses from the bytes", async () => {
      const bundle = await dsse("application/vnd.in-toto+json", statement({ sha512: createHash("sha512").update(tarball).digest("hex") }));
      expect(verify(bundle, { content: tarball }, stack.trustedRoot, expected).failures).toEqual([]);
      expect(verify(bundle, { digest: hex("sha512", tarball) }, stack.trustedRoot, expected).failures).toEqual([]);
      expect(codes(verify(bundle, { digest: hex("sha256", tarball) }, stack.trustedRoot, expected))).toEqual(["DIGEST_MISMATCH"]);
    });

    it("a subject whose sha256 matches but whose sha512 does not names another artifact", async () => {
      const bundle = await dsse(
        "application/vnd.in-toto+json",
        statement({ sha256: createHash("sha256").update(tarball).digest("hex"), sha512: "00".repeat(64) }),
      );
      expect(codes(verify(bundle, { content: tarball }, stack.trustedRoot, expected))).toEqual(["DIGEST_MISMATCH"]);
      // From the sha256 digest alone the sha512 cannot be checked; the sha256 names it.
      expect(verify(bundle, { digest: hex("sha256", tarball) }, stack.trustedRoot, expected).failures).toEqual([]);
    });
  });

  describe("a checkpoint signed under an origin that is not part of the log's baseUrl", () => {
    const artifact = Buffer.from("checkpoint origins\n");
    const ORIGIN = "transparency.certus.example/log-2026";
    const CHECKPOINT: Path = [...ENTRY, "inclusionProof", "checkpoint", "envelope"];

    /** The bundle's checkpoint re-signed by the log's key under `name`, for the note body with `origin`. */
    async function resigned(bundle: unknown, origin: string, name: string, hintFrom = stack.keys.signer("tlog").publicKeySpki): Promise<unknown> {
      const envelope = (bundle as { verificationMaterial: { tlogEntries: { inclusionProof: { checkpoint: { envelope: string } } }[] } }).verificationMaterial
        .tlogEntries[0]!.inclusionProof.checkpoint.envelope;
      const [, size, root] = envelope.split("\n") as [string, string, string];
      const body = `${origin}\n${size}\n${root}\n`;
      const signature = await stack.keys.signer("tlog").sign(Buffer.from(body));
      const hint = createHash("sha256").update(hintFrom).digest().subarray(0, 4);
      return setAt(bundle, CHECKPOINT, `${body}\n\u2014 ${name} ${Buffer.concat([hint, signature]).toString("base64")}\n`);
    }

    it("verifies from the bytes and from the digest when the signature's name is the origin", async () => {
      const bundle = await resigned(await dsse("text/plain", artifact), ORIGIN, ORIGIN);
      for (const a of [{ content: artifact }, { digest: hex("sha256", artifact) }]) {
        const r = verify(bundle, a, stack.trustedRoot, expected);
        expect(r.failures).toEqual([]);
        expect(r.entry?.shard).toBe(ORIGIN);
      }
    });

    it("refuses a name that is not the origin, a key hint of another key, and a changed note", async () => {
      const original = await dsse("text/plain", artifact);
      const otherName = await resigned(original, ORIGIN, "another.example/log");
      expect(codes(verify(otherName, { content: artifact }, stack.trustedRoot, expected))).toEqual(["CHECKPOINT_INVALID"]);
      const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const otherHint = await resigned(original, ORIGIN, ORIGIN, publicKey.export({ format: "der", type: "spki" }));
      expect(codes(verify(otherHint, { content: artifact }, stack.trustedRoot, expected))).toEqual(["CHECKPOINT_INVALID"]);
      const good = await resigned(original, ORIGIN, ORIGIN);
      const envelope = (good as { verificationMaterial: { tlogEntries: { inclusionProof: { checkpoint: { envelope: string } } }[] } }).verificationMaterial
        .tlogEntries[0]!.inclusionProof.checkpoint.envelope;
      const changedOrigin = setAt(good, CHECKPOINT, envelope.replace(ORIGIN, `${ORIGIN}x`));
      expect(codes(verify(changedOrigin, { content: artifact }, stack.trustedRoot, expected))).toEqual(["CHECKPOINT_INVALID"]);
    });
  });

  it("a Rekor v1 entry without a SET whose global logIndex differs from its proof index verifies on its RFC 3161 time", async () => {
    const artifact = Buffer.from("sharded\n");
    const bundle = withoutKey(setAt(await dsse("text/plain", artifact), [...ENTRY, "logIndex"], "35355462"), ENTRY, "inclusionPromise");
    const r = verify(bundle, { content: artifact }, stack.trustedRoot, expected);
    expect(r.failures).toEqual([]);
    const proofIndex = (bundle as { verificationMaterial: { tlogEntries: { inclusionProof: { logIndex: string } }[] } }).verificationMaterial.tlogEntries[0]!
      .inclusionProof.logIndex;
    expect(r.entry).toMatchObject({ logIndex: "35355462", shardLogIndex: proofIndex, rekorVersion: 1 });
    expect(r.timestamps.map((t) => t.source)).toEqual(["RFC3161"]);
  });

  it("position: an RFC 3161 timestamp that does not cover the signature, beside valid evidence, refuses the bundle", async () => {
    const artifact = Buffer.from("timestamps\n");
    const bundle = (await dsse("text/plain", artifact)) as { verificationMaterial: { timestampVerificationData: { rfc3161Timestamps: unknown[] } } };
    const other = (await dsse("text/plain", Buffer.from("another\n"))) as typeof bundle;
    bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps.push(other.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0]);
    expect(codes(verify(bundle, { content: artifact }, stack.trustedRoot, expected))).toEqual(["TIMESTAMP_INVALID"]);
  });
});

describe("a Rekor v2 entry that logs the certificate's public key", () => {
  // No public bundle has this shape and no embedded log writes v2 entries, so the log body is
  // built here and checked by the consistency step that compares the logged signer.
  const { publicKey: otherKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const real = json("rekor-v2-hashedrekord.sigstore.json") as { verificationMaterial: { certificate: { rawBytes: string } } };
  const certificate = Buffer.from(real.verificationMaterial.certificate.rawBytes, "base64");

  function bundleLogging(spki: Buffer) {
    const body = {
      apiVersion: "0.0.2",
      kind: "hashedrekord",
      spec: {
        hashedRekordV002: {
          data: { digest: "AA==" },
          signature: { content: "AA==", verifier: { publicKey: { rawBytes: spki.toString("base64") }, keyDetails: "PKIX_ECDSA_P256_SHA_256" } },
        },
      },
    };
    return bundleFromJSON(setAt(real, [...ENTRY, "canonicalizedBody"], Buffer.from(JSON.stringify(body)).toString("base64")));
  }

  it("accepts the certificate's own key and refuses another", async () => {
    const { X509Certificate } = await import("node:crypto");
    const certSpki = new X509Certificate(certificate).publicKey.export({ format: "der", type: "spki" });
    expect(checkLoggedSigner(bundleLogging(certSpki), { certificate })).toBeUndefined();
    const wrong = checkLoggedSigner(bundleLogging(otherKey.export({ format: "der", type: "spki" })), { certificate });
    expect(wrong?.code).toBe("TLOG_BODY_MISMATCH");
  });
});
