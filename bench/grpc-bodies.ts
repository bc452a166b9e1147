/**
 * Request bodies for the gRPC load generators, built from the SDK's protobuf messages and written
 * as gRPC length-prefixed frames (flag byte 0, big-endian length, message), one file per RPC, the
 * frames concatenated: grpcload sends them round robin, one per call; h2load posts the first.
 */
import { writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { create, fromJson, toBinary, type JsonValue } from "@bufbuild/protobuf";
import { SignatureFormat } from "@certus/trust-sdk";
import { SignRequestSchema } from "@certus/trust-sdk/gen/certus/trust/v1/sign_pb";
import { VerifyRequestSchema } from "@certus/trust-sdk/gen/certus/trust/v1/verify_pb";
import { HealthCheckRequestSchema } from "@certus/trust-sdk/gen/grpc/health/v1/health_pb";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";

/** gRPC method paths the bench drives. */
export const PATHS = {
  ceiling: "/grpc.health.v1.Health/Check",
  sign: "/certus.trust.v1.TrustService/Sign",
  verify: "/certus.trust.v1.TrustService/Verify",
} as const;

/** One uncompressed gRPC frame around `message`. */
export function grpcFrame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** The empty-RPC request: `HealthCheckRequest{}` (the whole server). */
export function writeCeilingBodies(file: string): void {
  writeFileSync(file, grpcFrame(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema))));
}

/** `n` DSSE sign requests for distinct artifacts. */
export function writeSignBodies(file: string, n: number): void {
  const frames: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const digest = `sha256:${createHash("sha256").update(`bench-sign-${i}`).digest("hex")}`;
    const req = create(SignRequestSchema, { artifact: { uri: `oci://bench/app@${i}`, digest }, format: SignatureFormat.DSSE });
    frames.push(grpcFrame(toBinary(SignRequestSchema, req)));
  }
  writeFileSync(file, Buffer.concat(frames));
}

/** One verify request per bundle: the artifact by digest, the signer expected by its SAN. */
export function writeVerifyBodies(file: string, bundles: ReadonlyArray<{ bundle: unknown; digest: string }>, subject: string): void {
  const frames = bundles.map((b) => {
    const req = create(VerifyRequestSchema, {
      artifact: { digest: b.digest },
      bundle: fromJson(BundleSchema, b.bundle as JsonValue),
      expectedSigner: { subject },
    });
    return grpcFrame(toBinary(VerifyRequestSchema, req));
  });
  writeFileSync(file, Buffer.concat(frames));
}
