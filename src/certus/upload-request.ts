/**
 * Checks of a VerifyAndPermitUpload request that make it malformed (an `invalid_argument` error,
 * not a refusal): the scan id, the tier, each artifact's hash, name and size. An empty artifact
 * list or a duplicate name is a refusal with its own reason (see `permit-upload`).
 */
import type { VerifyAndPermitUploadRequest } from "@certus/trust-sdk/gen/certus/trust/v1/certus_integration_pb";
import { InvalidArgumentError } from "../errors.js";
import { parseDigest } from "../rpc/validate.js";
import type { UploadTier } from "./tier-policy.js";

/** Most artifacts in one request. */
export const MAX_ARTIFACTS = 10_000;
/** Longest artifact name or scan id, characters. */
export const MAX_NAME_CHARS = 1024;
const SCAN_ID = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,255}$/;

/** The request's artifacts, checked. */
export interface CheckedArtifact {
  name: string;
  hash: string;
  size: number;
  signature: string;
}

export interface CheckedUploadRequest {
  scanId: string;
  tier: UploadTier;
  artifacts: CheckedArtifact[];
  innerSignature: NonNullable<VerifyAndPermitUploadRequest["innerSignature"]>;
}

export function checkUploadRequest(req: VerifyAndPermitUploadRequest): CheckedUploadRequest {
  if (!SCAN_ID.test(req.scanId))
    throw new InvalidArgumentError("scan_id", "is required: 1-256 letters, digits and . _ : @ + - (starting with a letter or digit)");
  if (req.tier !== "basic" && req.tier !== "verified")
    throw new InvalidArgumentError("tier", `${JSON.stringify(req.tier)} is not a tier; use basic or verified`);
  const innerSignature = req.innerSignature;
  if (innerSignature === undefined) throw new InvalidArgumentError("inner_signature", "is required");
  if (req.artifacts.length > MAX_ARTIFACTS) throw new InvalidArgumentError("artifacts", `${req.artifacts.length} artifacts; at most ${MAX_ARTIFACTS}`);
  const artifacts = req.artifacts.map((a, i) => {
    const field = `artifacts[${i}]`;
    // eslint-disable-next-line no-control-regex -- the point: a name may hold no control character
    if (a.name === "" || a.name.length > MAX_NAME_CHARS || /[\u0000-\u001f]/.test(a.name)) {
      throw new InvalidArgumentError(`${field}.name`, `is required: 1-${MAX_NAME_CHARS} characters, no control characters`);
    }
    parseDigest(`${field}.hash`, a.hash);
    if (a.size < 0n || a.size > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidArgumentError(`${field}.size`, "must be a byte count from 0");
    return { name: a.name, hash: a.hash, size: Number(a.size), signature: a.signature };
  });
  return { scanId: req.scanId, tier: req.tier, artifacts, innerSignature };
}
