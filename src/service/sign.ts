/**
 * `Sign`: the service signs an artifact with its own identity. DSSE (the default) signs an
 * in-toto statement about the artifact; a message signature signs the digest itself. The answer
 * is sent only after the log entry is durable (see sigstore/embedded/tlog/log.ts).
 */
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import { SignResponseSchema, SignatureFormat, type SignRequest, type SignResponse } from "@certus/trust-sdk";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { InvalidArgumentError } from "../errors.js";
import type { EmbeddedStack } from "../sigstore/embedded/stack.js";
import { signDigest, signDsse } from "../sigstore/signing-pipeline.js";
import { outerStatement } from "./statement.js";
import { resolveArtifact } from "./validate.js";

/** Who is calling, for statements and audit events (authentication fills it in). */
export type CallerOf = (ctx: HandlerContext) => string;

export function createSignHandler(stack: EmbeddedStack, callerOf: CallerOf) {
  return async function sign(req: SignRequest, ctx: HandlerContext): Promise<SignResponse> {
    const artifact = resolveArtifact("artifact", req.artifact);
    const format = req.format === SignatureFormat.UNSPECIFIED ? SignatureFormat.DSSE : req.format;
    if (format !== SignatureFormat.DSSE && format !== SignatureFormat.MESSAGE_SIGNATURE) {
      throw new InvalidArgumentError("format", `${req.format} is not a signature format; use SIGNATURE_FORMAT_DSSE or SIGNATURE_FORMAT_MESSAGE_SIGNATURE`);
    }
    if (req.innerBundles.length > 0) {
      throw new InvalidArgumentError("innerBundles", "inner signatures need a signer policy, which this build does not have yet");
    }
    const signer = { subject: stack.signer.identity, issuer: stack.signer.issuer };
    const witnesses = stack.witnessesFor({ artifactDigest: artifact.digestString, signerSubject: signer.subject });
    const bundle =
      format === SignatureFormat.DSSE
        ? await signDsse(
            stack.signer,
            witnesses.all,
            outerStatement({ uri: artifact.uri, digestHex: artifact.digest.toString("hex"), requester: callerOf(ctx), signedAt: new Date(), signer }),
          )
        : await signDigest(stack.signer, witnesses.all, artifact.digest);
    const logged = witnesses.log.logged!;
    return create(SignResponseSchema, {
      bundle: fromJson(BundleSchema, bundle as unknown as JsonValue),
      entry: { logIndex: BigInt(logged.logIndex), uuid: logged.uuid, integratedTime: timestampFromMs(logged.integratedTime * 1000) },
      signer,
    });
  };
}
