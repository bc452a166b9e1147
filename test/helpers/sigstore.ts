/**
 * Stock Sigstore verification for tests: unmodified `@sigstore/verify` with trust material built
 * from a served trusted root, as a client of the service would do it.
 */
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { Verifier, toSignedEntity, toTrustMaterial, type VerificationPolicy } from "@sigstore/verify";

/** Fetches the service's trusted root over REST (GET /v1/keys). */
export async function fetchTrustedRoot(baseUrl: string, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(`${baseUrl}/v1/keys`, { headers });
  if (res.status !== 200) throw new Error(`GET /v1/keys: ${res.status}`);
  return ((await res.json()) as { trustedRoot: unknown }).trustedRoot;
}

/**
 * Verifies a bundle with @sigstore/verify on its default policy (one SCT, one log entry, one
 * timestamp); throws its VerificationError on failure.
 */
export function stockVerify(trustedRootJson: unknown, bundleJson: unknown, artifact: Buffer | undefined, policy: VerificationPolicy): void {
  const material = toTrustMaterial(TrustedRoot.fromJSON(trustedRootJson));
  const verifier = new Verifier(material);
  const bundle = bundleFromJSON(bundleJson);
  verifier.verify(toSignedEntity(bundle, artifact), policy);
}
