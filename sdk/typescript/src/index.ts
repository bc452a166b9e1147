/**
 * @certus/trust-sdk: the typed client for Certus-Trust.
 *
 * The messages and the service descriptor are generated from `proto/` by protoc-gen-es; this file
 * only re-exports them.
 */
export * from "./gen/certus/trust/v1/common_pb.js";
export * from "./gen/certus/trust/v1/sign_pb.js";
export * from "./gen/certus/trust/v1/verify_pb.js";
export * from "./gen/certus/trust/v1/transparency_pb.js";
export * from "./gen/certus/trust/v1/keys_pb.js";
export * from "./gen/certus/trust/v1/trust_service_pb.js";
