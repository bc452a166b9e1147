/**
 * Judges the digests of stored copies (S3 objects, registry artifacts) against what a scan's
 * signatures cover. The service never fetches the copies: a location is "valid" when the digest
 * the caller gives is one the signatures cover, and, when the location names an artifact of the
 * scan (by its key, or by the last segment of its URI), that artifact's digest.
 */
import type { StatementSubject } from "./upload-statement.js";

/** One location as given. */
export interface LocationInput {
  name: string;
  uri: string;
  digest: string;
}

/** The flags of ArtifactLocationVerification, with the reasons for any false one. */
export interface LocationVerdict {
  s3Valid: boolean;
  registryValid: boolean;
  digestsMatch: boolean;
  contentIdentical: boolean;
  reasons: string[];
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** `s3`, `registry` or `other`, from the URI scheme or the location's name. */
export function locationKind(loc: LocationInput): "s3" | "registry" | "other" {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(loc.uri)?.[1]?.toLowerCase();
  if (scheme === "s3") return "s3";
  if (scheme === "oci" || scheme === "docker" || scheme === "registry") return "registry";
  if (/s3/i.test(loc.name)) return "s3";
  if (/registry|oci/i.test(loc.name)) return "registry";
  return "other";
}

function lastSegment(uri: string): string {
  const path = uri.replace(/[?#].*$/, "");
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Checks every location's digest against the signed subjects (and the manifest digest the inner
 * signature covers). `subjects` is empty when no outer signature verified.
 */
export function checkLocations(
  locations: readonly LocationInput[],
  subjects: readonly StatementSubject[],
  manifestDigest: string | undefined,
): LocationVerdict {
  const reasons: string[] = [];
  const signed = new Set(subjects.map((s) => s.digest));
  if (manifestDigest) signed.add(manifestDigest);
  const byName = new Map(subjects.map((s) => [s.name, s.digest]));
  const valid = locations.map((loc) => {
    if (loc.digest === "") {
      reasons.push(`artifact_locations.${loc.name}: no digest given; the service does not fetch objects, so it cannot vouch for this copy`);
      return false;
    }
    if (!DIGEST.test(loc.digest)) {
      reasons.push(`artifact_locations.${loc.name}: ${JSON.stringify(loc.digest.slice(0, 80))} is not a sha256:<hex> digest`);
      return false;
    }
    const named = byName.get(loc.name) ?? byName.get(lastSegment(loc.uri));
    if (named !== undefined && named !== loc.digest) {
      reasons.push(`artifact_locations.${loc.name}: digest ${loc.digest} is not the signed digest ${named} of that artifact`);
      return false;
    }
    if (!signed.has(loc.digest)) {
      reasons.push(`artifact_locations.${loc.name}: digest ${loc.digest} is not covered by the signatures`);
      return false;
    }
    return true;
  });
  const ofKind = (kind: "s3" | "registry") => locations.map((l, i) => ({ l, ok: valid[i] === true })).filter((x) => locationKind(x.l) === kind);
  const s3 = ofKind("s3");
  const registry = ofKind("registry");
  if (locations.length === 0) reasons.push("artifact_locations: none given; there is no stored copy to check");
  const digests = new Set(locations.map((l) => l.digest));
  return {
    s3Valid: s3.length > 0 && s3.every((x) => x.ok),
    registryValid: registry.length > 0 && registry.every((x) => x.ok),
    digestsMatch: locations.length > 0 && valid.every(Boolean),
    contentIdentical: locations.length > 0 && digests.size === 1 && !digests.has(""),
    reasons,
  };
}
