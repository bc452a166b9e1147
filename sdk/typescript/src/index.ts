/**
 * @certus/trust-sdk: the typed client for Certus-Trust, universal (any runtime, any Connect
 * transport). `@certus/trust-sdk/node` and `@certus/trust-sdk/web` add transports built from a
 * base URL; this entry imports no runtime-specific module, so the server and browsers can use it.
 *
 * The messages and the service descriptor are generated from `proto/` by protoc-gen-es; the
 * client, helpers and error model are in their own files. This file only re-exports.
 */
export * from "./gen/certus/trust/v1/common_pb.js";
export * from "./gen/certus/trust/v1/sign_pb.js";
export * from "./gen/certus/trust/v1/verify_pb.js";
export * from "./gen/certus/trust/v1/transparency_pb.js";
export * from "./gen/certus/trust/v1/keys_pb.js";
export * from "./gen/certus/trust/v1/trust_service_pb.js";
export * from "./gen/certus/trust/v1/certus_integration_pb.js";
export { BundleSchema, type Bundle } from "./gen/sigstore_bundle_pb.js";
export { TrustedRootSchema, type TrustedRoot } from "./gen/sigstore_trustroot_pb.js";
export { Code } from "@connectrpc/connect";
export {
  API_KEY_HEADER,
  createTrustClient,
  type GetKeysRequestInit,
  type GetTransparencyRequestInit,
  type SignRequestInit,
  type TrustClient,
  type TrustClientOptions,
  type TrustProtocol,
  type VerifyRequestInit,
  type WatchCheckpointsRequestInit,
} from "./client.js";
export * from "./errors.js";
export * from "./failure-codes.js";
export * from "./bundle.js";
export * from "./flows.js";
export * from "./attest.js";
export * from "./trusted-root.js";
