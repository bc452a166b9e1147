/**
 * The in-toto Statement v1 the service signs as its outer signature: the subject is the artifact
 * (name = its URI, digest = its SHA-256) and the predicate records who asked, when, under which
 * policy, and which inner signatures were verified first.
 */

/** Predicate type of the service's outer signatures. */
export const OUTER_SIGNATURE_PREDICATE_TYPE = "https://certus.cloud/trust/outer-signature/v1";
export const IN_TOTO_STATEMENT_V1 = "https://in-toto.io/Statement/v1";

/** An inner signer as recorded in the predicate. */
export interface RecordedInnerSigner {
  subject: string;
  issuer: string;
  logIndex: string;
  bundleDigest: string;
}

export interface OuterStatementInput {
  uri: string;
  digestHex: string;
  requester: string;
  signedAt: Date;
  signer: { subject: string; issuer: string };
  policy?: { name: string; version: string; mode: string };
  innerSigners?: RecordedInnerSigner[];
}

/** Serializes the statement (stable key order, so equal inputs give equal bytes). */
export function outerStatement(input: OuterStatementInput): Buffer {
  const statement = {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ name: input.uri || `sha256:${input.digestHex}`, digest: { sha256: input.digestHex } }],
    predicateType: OUTER_SIGNATURE_PREDICATE_TYPE,
    predicate: {
      requester: input.requester,
      signedAt: input.signedAt.toISOString(),
      signer: input.signer,
      ...(input.policy ? { policy: input.policy } : {}),
      innerSigners: input.innerSigners ?? [],
    },
  };
  return Buffer.from(JSON.stringify(statement), "utf8");
}
