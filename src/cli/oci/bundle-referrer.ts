/**
 * Sigstore bundles as OCI 1.1 referrers of an image, laid out as cosign v3 writes and reads them
 * (cosign specs/BUNDLE_SPEC.md): the bundle JSON is a blob; a manifest with artifactType
 * `application/vnd.dev.sigstore.bundle.v0.3+json`, the empty config, that blob as its one layer,
 * the image as `subject`, and annotations naming the content and predicate type. A registry
 * without the referrers API gets the referrers tag index (`sha256-<hex>`) as well, which cosign
 * (go-containerregistry) reads as its fallback.
 */
import { type Descriptor, OCI_MANIFEST, RegistryClient, RegistryError } from "./registry-client.js";
import type { ImageReference } from "./reference.js";

export const SIGSTORE_BUNDLE_ARTIFACT_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
/** The predicate type cosign v3 signs and requires for an image signature (`cosign verify`). */
export const COSIGN_SIGN_PREDICATE_TYPE = "https://sigstore.dev/cosign/sign/v1";
const EMPTY_CONFIG = Buffer.from("{}");
const EMPTY_MEDIA_TYPE = "application/vnd.oci.empty.v1+json";
/** Most referrers read when looking for bundles. */
export const MAX_BUNDLE_REFERRERS = 100;

/** What the bundle holds, for the annotations. */
function contentOf(bundle: Record<string, unknown>): { content: "dsse-envelope" | "message-signature"; predicateType?: string } {
  const env = bundle["dsseEnvelope"] as { payload?: unknown } | undefined;
  if (!env) return { content: "message-signature" };
  try {
    const statement = JSON.parse(Buffer.from(typeof env.payload === "string" ? env.payload : "", "base64").toString("utf8")) as { predicateType?: unknown };
    return typeof statement.predicateType === "string" ? { content: "dsse-envelope", predicateType: statement.predicateType } : { content: "dsse-envelope" };
  } catch {
    return { content: "dsse-envelope" };
  }
}

/** Attaches `bundleJson` to the image; returns the referrer manifest's digest. */
export async function attachBundle(
  image: ImageReference,
  bundleJson: Record<string, unknown>,
  now = new Date(),
): Promise<{ digest: string; predicateType?: string }> {
  const registry = new RegistryClient(image);
  const subject = await registry.manifest(image.digest);
  const bundleBytes = Buffer.from(JSON.stringify(bundleJson));
  const bundleDigest = await registry.putBlob(bundleBytes);
  const configDigest = await registry.putBlob(EMPTY_CONFIG);
  const what = contentOf(bundleJson);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: SIGSTORE_BUNDLE_ARTIFACT_TYPE,
    config: { mediaType: EMPTY_MEDIA_TYPE, digest: configDigest, size: EMPTY_CONFIG.length },
    layers: [{ mediaType: SIGSTORE_BUNDLE_ARTIFACT_TYPE, digest: bundleDigest, size: bundleBytes.length }],
    subject: { mediaType: subject.mediaType, digest: image.digest, size: subject.bytes.length },
    annotations: {
      "dev.sigstore.bundle.content": what.content,
      ...(what.predicateType ? { "dev.sigstore.bundle.predicateType": what.predicateType } : {}),
      "org.opencontainers.image.created": now.toISOString(),
    },
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const { digest, subjectHandled } = await registry.putManifest(manifestBytes, OCI_MANIFEST);
  if (!subjectHandled) {
    await registry.addToReferrersTag(image.digest, {
      mediaType: OCI_MANIFEST,
      digest,
      size: manifestBytes.length,
      artifactType: SIGSTORE_BUNDLE_ARTIFACT_TYPE,
      annotations: manifest.annotations,
    });
  }
  return what.predicateType ? { digest, predicateType: what.predicateType } : { digest };
}

/** One bundle found attached to an image. */
export interface FoundBundle {
  /** The referrer manifest. */
  referrer: Descriptor;
  bundle: Record<string, unknown>;
}

/** The Sigstore bundles attached to the image (each read from its referrer's first layer). */
export async function findBundles(image: ImageReference): Promise<FoundBundle[]> {
  const registry = new RegistryClient(image);
  const referrers = (await registry.referrers(image.digest, SIGSTORE_BUNDLE_ARTIFACT_TYPE)).slice(0, MAX_BUNDLE_REFERRERS);
  const out: FoundBundle[] = [];
  for (const referrer of referrers) {
    const { json } = await registry.manifest(referrer.digest);
    const layers = json["layers"];
    const layer = Array.isArray(layers) ? (layers[0] as Descriptor | undefined) : undefined;
    const subject = json["subject"] as { digest?: unknown } | undefined;
    // A referrer must point at this image; anything else is skipped, not trusted.
    if (!layer || typeof layer.digest !== "string" || subject?.digest !== image.digest) continue;
    const bytes = await registry.blob(layer.digest);
    let bundle: unknown;
    try {
      bundle = JSON.parse(bytes.toString("utf8"));
    } catch {
      throw new RegistryError(`read bundle ${layer.digest}`, undefined, "not JSON");
    }
    if (typeof bundle === "object" && bundle !== null && !Array.isArray(bundle)) out.push({ referrer, bundle: bundle as Record<string, unknown> });
  }
  return out;
}
