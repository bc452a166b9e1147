/**
 * `GetKeys`: the trusted root that verifies this service's bundles, the signing config that points
 * at its endpoints, every public key with its purpose and validity (keys retired by a rotation
 * included, with their end), and where its TUF repository is with the current root version.
 * The material is fixed while the server runs (rotation happens while it is stopped); only the
 * TUF root version can move (the repository re-signs its root before it expires).
 */
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { GetKeysResponseSchema, type GetKeysResponse } from "@certus/trust-sdk";
import { SigningConfigSchema, TrustedRootSchema } from "@certus/trust-sdk/gen/sigstore_trustroot_pb";
import type { EmbeddedStack } from "../sigstore/embedded/stack.js";

/** Options of {@link createGetKeysHandler}. */
export interface GetKeysOptions {
  /** Base URL of the TUF repository as clients reach it, ending in `/tuf/`. */
  tufUrl?: string;
}

export function createGetKeysHandler(stack: EmbeddedStack, options: GetKeysOptions = {}) {
  const base: GetKeysResponse = create(GetKeysResponseSchema, {
    trustedRoot: fromJson(TrustedRootSchema, stack.trustedRoot as unknown as JsonValue),
    signingConfig: fromJson(SigningConfigSchema, stack.signingConfig as unknown as JsonValue),
    keys: stack.publishedKeys().map((k) => ({
      purpose: k.purpose,
      keyId: k.keyId,
      publicKey: k.publicKeyPem,
      validFor: { start: timestampFromDate(k.validFrom), ...(k.validTo ? { end: timestampFromDate(k.validTo) } : {}) },
    })),
  });
  const tufUrl = options.tufUrl ?? `${stack.instance.baseUrl}/tuf/`;
  let response: GetKeysResponse | undefined;
  return function getKeys(): GetKeysResponse {
    const rootVersion = BigInt(stack.tuf.rootVersion);
    if (response?.tuf?.rootVersion !== rootVersion) {
      response = { ...base, tuf: { $typeName: "certus.trust.v1.TufInfo", url: tufUrl, rootVersion } };
    }
    return response;
  };
}
