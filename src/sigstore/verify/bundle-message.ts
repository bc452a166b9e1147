/**
 * A bundle that arrived as a protobuf message (the Verify RPC's request), turned into
 * `@sigstore/bundle`'s typed form directly, without the detour through proto3 JSON.
 *
 * The JSON route (`toJson`, then `parseBundle`: bounds, base64 and field checks, `bundleFromJSON`)
 * re-encodes every byte field to base64 in JavaScript and decodes it again: over distinct bundles
 * that was about a sixth of a verification's CPU time and a third of its allocation. Here the
 * message's bytes are copied once into the same typed objects `bundleFromJSON` builds.
 *
 * This is a fast path, never a second judge: {@link CheckedBundle.fromMessage} accepts a message
 * only when `parseBundle(toJson(message))` would accept it and build a bundle equal to the one
 * made here, and declines (`undefined`) on anything else, however harmless, so that the caller
 * takes the JSON route and every refusal keeps its one wording (`bundle-parse.ts`). Whether a
 * field is present follows `toJson`: a proto3 scalar field at its zero value (empty bytes, an
 * empty string, 0) is absent in JSON, and so "missing". `test/unit/verify/bundle-message.test.ts`
 * holds the two routes to the same bundle over the conformance corpus and its mutants.
 */
import type { Bundle as BundleMessage } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import type { TransparencyLogEntry as EntryMessage } from "@certus/trust-sdk/gen/sigstore_rekor_pb";
import type { ASN1Obj } from "@sigstore/core";
import { assertBundleLatest, assertBundleV01, assertBundleV02, BUNDLE_V01_MEDIA_TYPE, BUNDLE_V02_MEDIA_TYPE, type Bundle } from "@sigstore/bundle";
import { hashAlgorithmFromJSON, type Bundle as ProtoBundle, type TransparencyLogEntry, type VerificationMaterial } from "@sigstore/protobuf-specs";
import { KNOWN_MEDIA_TYPES } from "./bundle-parse.js";
import { withoutStackTraces } from "./no-stack-traces.js";
import { checkRfc3161Shape } from "./rfc3161-shape.js";

/**
 * The largest binary encoding taken on this path. Up to this size the bundle's JSON form is within
 * `DEFAULT_BUNDLE_LIMITS`, which `parseBundle` checks first: every JSON value `toJson` writes
 * (other than the top object) comes from a field occurrence of at least 2 bytes (tag and length
 * or value), and one occurrence yields at most 2 values (a list and its first element), so there
 * are at most 1 + size values (limit 10,000); an occurrence of n bytes yields at most a 25-character
 * key and 4⌈n/3⌉ (base64), n (text), 20 (int64) or 26 (enum) characters, far below 1 MiB in all;
 * no message of the schema nests deeper than 7 levels (limit 32). Larger bundles take the JSON route.
 */
export const MAX_MESSAGE_BYTES = 9_999;

/** A copy, as `bundleFromJSON` gives every byte field its own buffer. */
function bytes(value: Uint8Array): Buffer {
  return Buffer.from(value);
}

function entryOf(e: EntryMessage): TransparencyLogEntry | undefined {
  if (e.logIndex < 0n || e.integratedTime < 0n || e.logId === undefined || e.logId.keyId.length === 0 || e.canonicalizedBody.length === 0) return undefined;
  let inclusionPromise: TransparencyLogEntry["inclusionPromise"];
  if (e.inclusionPromise !== undefined) {
    if (e.inclusionPromise.signedEntryTimestamp.length === 0) return undefined;
    inclusionPromise = { signedEntryTimestamp: bytes(e.inclusionPromise.signedEntryTimestamp) };
  }
  let inclusionProof: TransparencyLogEntry["inclusionProof"];
  const proof = e.inclusionProof;
  if (proof !== undefined) {
    // Without a checkpoint (or with an empty one, absent in JSON) `parseBundle` refuses the proof.
    if (proof.logIndex < 0n || proof.treeSize < 0n || proof.rootHash.length === 0 || proof.checkpoint === undefined || proof.checkpoint.envelope === "") {
      return undefined;
    }
    inclusionProof = {
      logIndex: String(proof.logIndex),
      rootHash: bytes(proof.rootHash),
      treeSize: String(proof.treeSize),
      hashes: proof.hashes.map(bytes),
      checkpoint: { envelope: proof.checkpoint.envelope },
    };
  }
  return {
    logIndex: String(e.logIndex),
    logId: { keyId: bytes(e.logId.keyId) },
    kindVersion: e.kindVersion === undefined ? undefined : { kind: e.kindVersion.kind, version: e.kindVersion.version },
    integratedTime: String(e.integratedTime),
    inclusionPromise,
    inclusionProof,
    canonicalizedBody: bytes(e.canonicalizedBody),
  };
}

function materialOf(message: BundleMessage, trees: ASN1Obj[]): VerificationMaterial | undefined {
  const vm = message.verificationMaterial;
  if (vm === undefined) return undefined;
  let content: VerificationMaterial["content"];
  switch (vm.content.case) {
    case "publicKey":
      content = { $case: "publicKey", publicKey: { hint: vm.content.value.hint } };
      break;
    case "x509CertificateChain": {
      const certs = vm.content.value.certificates;
      if (certs.length === 0 || certs.some((c) => c.rawBytes.length === 0)) return undefined;
      content = { $case: "x509CertificateChain", x509CertificateChain: { certificates: certs.map((c) => ({ rawBytes: bytes(c.rawBytes) })) } };
      break;
    }
    case "certificate":
      if (vm.content.value.rawBytes.length === 0) return undefined;
      content = { $case: "certificate", certificate: { rawBytes: bytes(vm.content.value.rawBytes) } };
      break;
    default:
      return undefined;
  }
  const tlogEntries: TransparencyLogEntry[] = [];
  for (const e of vm.tlogEntries) {
    const entry = entryOf(e);
    if (entry === undefined) return undefined;
    tlogEntries.push(entry);
  }
  let timestampVerificationData: VerificationMaterial["timestampVerificationData"];
  if (vm.timestampVerificationData !== undefined) {
    const rfc3161Timestamps: { signedTimestamp: Buffer }[] = [];
    for (const t of vm.timestampVerificationData.rfc3161Timestamps) {
      if (t.signedTimestamp.length === 0) return undefined;
      const signedTimestamp = bytes(t.signedTimestamp);
      const shape = checkRfc3161Shape(signedTimestamp);
      if ("problem" in shape) return undefined;
      rfc3161Timestamps.push({ signedTimestamp });
      trees.push(shape.root);
    }
    timestampVerificationData = { rfc3161Timestamps };
  }
  return { content, tlogEntries, timestampVerificationData };
}

function contentOf(message: BundleMessage): ProtoBundle["content"] {
  const content = message.content;
  if (content.case === "messageSignature") {
    const { messageDigest, signature } = content.value;
    if (messageDigest === undefined || messageDigest.digest.length === 0 || signature.length === 0) return undefined;
    // The library's own reading of the enum (by number here, by name on the JSON route: the same
    // values in both libraries, held so by the test); it throws, and the caller declines, on others.
    const algorithm = hashAlgorithmFromJSON(messageDigest.algorithm);
    return {
      $case: "messageSignature",
      messageSignature: { messageDigest: { algorithm, digest: bytes(messageDigest.digest) }, signature: bytes(signature) },
    };
  }
  if (content.case === "dsseEnvelope") {
    const { payload, payloadType, signatures } = content.value;
    const [only] = signatures;
    if (payload.length === 0 || signatures.length !== 1 || only === undefined || only.sig.length === 0) return undefined;
    return { $case: "dsseEnvelope", dsseEnvelope: { payload: bytes(payload), payloadType, signatures: [{ sig: bytes(only.sig), keyid: only.keyid }] } };
  }
  return undefined;
}

function bundleOf(message: BundleMessage, binaryLength: number, trees: ASN1Obj[]): Bundle | undefined {
  if (binaryLength > MAX_MESSAGE_BYTES || !KNOWN_MEDIA_TYPES.has(message.mediaType)) return undefined;
  const content = contentOf(message);
  if (content === undefined) return undefined;
  const verificationMaterial = materialOf(message, trees);
  if (verificationMaterial === undefined) return undefined;
  const bundle: ProtoBundle = { mediaType: message.mediaType, verificationMaterial, content };
  // `bundleFromJSON`'s own validation, by media type; its refusal is worded on the JSON route.
  try {
    switch (bundle.mediaType) {
      case BUNDLE_V01_MEDIA_TYPE:
        assertBundleV01(bundle);
        break;
      case BUNDLE_V02_MEDIA_TYPE:
        assertBundleV02(bundle);
        break;
      default:
        assertBundleLatest(bundle);
    }
  } catch {
    return undefined;
  }
  return bundle;
}

/** A bundle built from a protobuf message and checked as `parseBundle` checks one (see the module comment). */
export class CheckedBundle {
  /**
   * @param bundle - the typed bundle
   * @param timestampTrees - its RFC 3161 timestamps parsed (by the shape check), in order: what
   *   `toSignedEntity` would parse again
   */
  private constructor(
    readonly bundle: Bundle,
    readonly timestampTrees: readonly ASN1Obj[],
  ) {}

  /**
   * The bundle of `message` (decoded from `binaryLength` bytes), or undefined when it must take
   * the JSON route: `parseBundle(toJson(message))` decides it. Never throws.
   */
  static fromMessage(message: BundleMessage, binaryLength: number): CheckedBundle | undefined {
    try {
      const trees: ASN1Obj[] = [];
      const bundle = withoutStackTraces(() => bundleOf(message, binaryLength, trees));
      return bundle === undefined ? undefined : new CheckedBundle(bundle, trees);
    } catch {
      return undefined;
    }
  }
}
