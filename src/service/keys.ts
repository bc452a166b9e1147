/**
 * `GetKeys`: the trusted root that verifies this service's bundles, and every public key with
 * its purpose and validity. Built once at start (the material does not change while running).
 */
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { GetKeysResponseSchema, type GetKeysResponse } from "@certus/trust-sdk";
import { TrustedRootSchema } from "@certus/trust-sdk/gen/sigstore_trustroot_pb";
import type { EmbeddedStack } from "../sigstore/embedded/stack.js";

export function createGetKeysHandler(stack: EmbeddedStack) {
  const response: GetKeysResponse = create(GetKeysResponseSchema, {
    trustedRoot: fromJson(TrustedRootSchema, stack.trustedRoot as unknown as JsonValue),
    keys: stack.publishedKeys().map((k) => ({
      purpose: k.purpose,
      keyId: k.keyId,
      publicKey: k.publicKeyPem,
      validFor: { start: timestampFromDate(k.validFrom), ...(k.validTo ? { end: timestampFromDate(k.validTo) } : {}) },
    })),
  });
  return function getKeys(): GetKeysResponse {
    return response;
  };
}
