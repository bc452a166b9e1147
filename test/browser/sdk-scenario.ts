/**
 * The SDK scenario the Python and Go SDK tests run (keys, sign a digest, verify the bundle and a
 * tampered copy, the inclusion proof, one new checkpoint, the error model), written once against
 * the universal `@certus/trust-sdk` API so that it runs unchanged in Node
 * (test/integration/sdk-typescript.test.ts, over connect-node) and in a browser page
 * (test/browser/console.test.ts bundles it with `@certus/trust-sdk/web`). No Node APIs here.
 */
import { clone } from "@bufbuild/protobuf";
import {
  BundleSchema,
  Code,
  FAILURE_CODES,
  TrustError,
  expectVerified,
  getTrustedRoot,
  signDigest,
  verifyBundle,
  type Bundle,
  type SignResponse,
  type TrustClient,
} from "@certus/trust-sdk";

/** What the scenario saw, for the caller's own assertions (JSON-safe: it crosses into Node). */
export interface ScenarioReport {
  digest: string;
  logIndex: string;
  watchedBefore: string;
  watchedAfter: string;
  signerSubject: string;
  verified: boolean;
  tamperedVerified: boolean;
  tamperedCodes: string[];
  expectVerifiedCode: string;
  proofTreeSize: string;
  proofHashes: number;
  keys: string[];
  tlogs: number;
  badDigestCode: string;
  badDigestFields: string[];
}

/** How long the scenario waits for the checkpoint that covers its new entry, in milliseconds. */
export const WATCH_TIMEOUT_MS = 30_000;

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`scenario: ${message}`);
}

/** A random `sha256:` digest (Web Crypto, so it runs in browsers and Node alike). */
export function freshDigest(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `sha256:${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** A copy of the bundle whose signature has one bit flipped. */
export function tampered(bundle: Bundle): Bundle {
  const out = clone(BundleSchema, bundle);
  const sig =
    out.content.case === "dsseEnvelope"
      ? out.content.value.signatures[0]?.sig
      : out.content.case === "messageSignature"
        ? out.content.value.signature
        : undefined;
  check(sig && sig.length > 0, "the bundle has no signature to tamper with");
  sig[sig.length >> 1]! ^= 0x01;
  return out;
}

export async function runSdkScenario(client: TrustClient): Promise<ScenarioReport> {
  const root = await getTrustedRoot(client);
  check(root === (await getTrustedRoot(client)), "getTrustedRoot does not cache");
  check(root.tlogs.length >= 1 && root.certificateAuthorities.length >= 1, "the trusted root has no log or CA");
  const keys = await client.getKeys();

  const digest = freshDigest();
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), WATCH_TIMEOUT_MS);
  const stream = client.watchCheckpoints({}, { signal: stop.signal })[Symbol.asyncIterator]();
  let signed: SignResponse;
  let before: bigint;
  let after: bigint;
  try {
    const first = await stream.next();
    check(!first.done && first.value.checkpoint !== "", "WatchCheckpoints sent no current checkpoint");
    before = first.value.treeSize;

    signed = await signDigest(client, digest, { uri: "s3://certus-artifacts/scans/42.json" });
    check(signed.bundle?.mediaType.startsWith("application/vnd.dev.sigstore.bundle"), "Sign returned no Sigstore bundle");
    check(signed.entry !== undefined && signed.entry.logIndex >= before, "the new entry is below the tree size seen before signing");
    // A checkpoint that covers the new entry arrives on the already-open stream.
    for (;;) {
      const next = await stream.next();
      check(!next.done, "the checkpoint stream ended before it covered the new entry");
      if (next.value.treeSize > signed.entry.logIndex) {
        after = next.value.treeSize;
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    stop.abort();
    await stream.return?.().catch(() => undefined);
  }
  const bundle = signed.bundle!;
  const signer = { subject: signed.signer!.subject, issuer: signed.signer!.issuer };
  const index = signed.entry.logIndex;

  const good = expectVerified(await verifyBundle(client, bundle, digest, signer));
  check(good.failures.length === 0, "a verified verdict carries failures");

  const bad = await verifyBundle(client, tampered(bundle), digest, signer);
  check(!bad.verified && bad.failures.length > 0, "the tampered bundle verified");
  const known: readonly string[] = FAILURE_CODES;
  for (const f of bad.failures) check(known.includes(f.code), `failure code ${f.code} is not in the closed set`);
  let expectVerifiedCode = "";
  try {
    expectVerified(bad);
  } catch (err) {
    check(err instanceof TrustError && err.failures.length === bad.failures.length, "expectVerified did not throw a TrustError with the failures");
    expectVerifiedCode = err.codeName;
  }

  const proof = await client.getTransparency({ logIndex: index });
  check(proof.entries.length === 1 && proof.entries[0]!.logIndex === index, `GetTransparency did not return the entry at ${index}`);
  const inclusion = proof.entries[0]!.inclusionProof;
  check(inclusion && inclusion.treeSize > index && inclusion.rootHash.length === 32 && inclusion.checkpoint !== "", "incomplete inclusion proof");

  let badDigest: TrustError | undefined;
  try {
    await signDigest(client, "sha256:not-hex");
  } catch (err) {
    badDigest = err instanceof TrustError ? err : undefined;
  }
  check(badDigest?.code === Code.InvalidArgument, `a bad digest gave ${String(badDigest)}`);

  return {
    digest,
    logIndex: index.toString(),
    watchedBefore: before.toString(),
    watchedAfter: after.toString(),
    signerSubject: signer.subject,
    verified: good.verified,
    tamperedVerified: bad.verified,
    tamperedCodes: bad.failures.map((f) => f.code),
    expectVerifiedCode,
    proofTreeSize: inclusion.treeSize.toString(),
    proofHashes: inclusion.hashes.length,
    keys: keys.keys.map((k) => k.purpose),
    tlogs: root.tlogs.length,
    badDigestCode: badDigest.codeName,
    badDigestFields: badDigest.violations.map((v) => v.field),
  };
}
