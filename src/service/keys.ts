/**
 * `GetKeys`: the trusted root that verifies this service's bundles, the signing config that points
 * at its endpoints, every public key with its purpose and validity (keys retired by a rotation
 * included, with their end), and where its TUF repository is with the current root version.
 * The material is fixed while the server runs (rotation happens while it is stopped); only the
 * TUF root version can move (the repository re-signs its root before it expires). In the external
 * mode the trusted root is the one last fetched from TUF, so the answer follows its refreshes.
 */
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { GetKeysResponseSchema, type GetKeysResponse } from "@certus/trust-sdk";
import { SigningConfigSchema, TrustedRootSchema } from "@certus/trust-sdk/gen/sigstore_trustroot_pb";
import type { TrustRootSource } from "../sigstore/trust-root-source.js";

/** Options of {@link createGetKeysHandler}. */
export interface GetKeysOptions {
  /** Base URL of the TUF repository as clients reach it, ending in `/tuf/`. */
  tufUrl?: string;
}

export function createGetKeysHandler(trustRoot: TrustRootSource, options: GetKeysOptions = {}) {
  // Rebuilt only when the trusted root is replaced (an external TUF refresh); fixed otherwise.
  let root: Readonly<Record<string, unknown>> | undefined;
  let base: GetKeysResponse | undefined;
  let response: GetKeysResponse | undefined;
  return function getKeys(): GetKeysResponse {
    const current = trustRoot.current();
    if (base === undefined || root !== current) {
      const signingConfig = trustRoot.signingConfig();
      base = create(GetKeysResponseSchema, {
        trustedRoot: fromJson(TrustedRootSchema, current as unknown as JsonValue),
        ...(signingConfig ? { signingConfig: fromJson(SigningConfigSchema, signingConfig as unknown as JsonValue) } : {}),
        keys: trustRoot.publishedKeys().map((k) => ({
          purpose: k.purpose,
          keyId: k.keyId,
          publicKey: k.publicKeyPem,
          validFor: { start: timestampFromDate(k.validFrom), ...(k.validTo ? { end: timestampFromDate(k.validTo) } : {}) },
        })),
      });
      root = current;
      response = undefined;
    }
    const tuf = trustRoot.tuf();
    if (tuf === undefined) return (response ??= base);
    const rootVersion = BigInt(tuf.rootVersion);
    if (response?.tuf?.rootVersion !== rootVersion) {
      response = { ...base, tuf: { $typeName: "certus.trust.v1.TufInfo", url: options.tufUrl ?? tuf.url, rootVersion } };
    }
    return response;
  };
}
