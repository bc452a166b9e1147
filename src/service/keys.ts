/**
 * `GetKeys`: the trusted root that verifies this service's bundles, the signing config that points
 * at its endpoints, every public key with its purpose and validity (keys retired by a rotation
 * included, with their end), and where its TUF repository is with the current root version.
 * The material is fixed while the server runs (rotation happens while it is stopped); only the
 * TUF root version can move (the repository re-signs its root before it expires). In the external
 * mode the trusted root is the one last fetched from TUF, so the answer follows its refreshes.
 *
 * With a signing config, the answer also carries both as one client trust config
 * (`application/vnd.dev.sigstore.clienttrustconfig.v0.1+json`), the single file
 * `sigstore --trust-config` takes.
 */
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { GetKeysResponseSchema, type GetKeysResponse } from "@certus/trust-sdk";
import { ClientTrustConfigSchema, SigningConfigSchema, TrustedRootSchema } from "@certus/trust-sdk/gen/sigstore_trustroot_pb";
import type { TrustRootSource } from "../sigstore/trust-root-source.js";

/** Media type of the client trust config (protobuf-specs `ClientTrustConfig`). */
export const CLIENT_TRUST_CONFIG_MEDIA_TYPE = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json";

/** Options of {@link createGetKeysHandler}. */
export interface GetKeysOptions {
  /** Base URL of the TUF repository as clients reach it, ending in `/tuf/`. */
  tufUrl?: string;
  /**
   * The signing config of `clientTrustConfig`, as served to clients (service URLs at the
   * instance's public URL, the URL clients reach); default the backend's. `signingConfig` stays
   * the backend's, the one published through TUF.
   */
  clientSigningConfig?: object;
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
      const clientSigningConfig = options.clientSigningConfig ?? signingConfig;
      const trustedRoot = fromJson(TrustedRootSchema, current as unknown as JsonValue);
      const signing = signingConfig ? fromJson(SigningConfigSchema, signingConfig as unknown as JsonValue) : undefined;
      const clientSigning = clientSigningConfig ? fromJson(SigningConfigSchema, clientSigningConfig as unknown as JsonValue) : undefined;
      base = create(GetKeysResponseSchema, {
        trustedRoot,
        ...(signing
          ? {
              signingConfig: signing,
              clientTrustConfig: create(ClientTrustConfigSchema, {
                mediaType: CLIENT_TRUST_CONFIG_MEDIA_TYPE,
                trustedRoot,
                signingConfig: clientSigning ?? signing,
              }),
            }
          : {}),
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
