/**
 * The CMS skeleton of an RFC 3161 TimeStampResp, checked strictly. @sigstore/core reads the
 * token by position without checking every tag, so an altered tag in an unsigned part (say the
 * SignerInfo's signatureAlgorithm turned from SEQUENCE into SET) would still verify. Nothing is
 * gained by accepting such a token, and a verifier that accepts only what is well formed leaves
 * no room for parser differentials.
 */
import { ASN1Obj } from "@sigstore/core";

const SEQUENCE = 0x30;
const SET = 0x31;
const INTEGER = 0x02;
const OID = 0x06;
const OCTET_STRING = 0x04;
const CTX0 = 0xa0;
const CTX1 = 0xa1;
const CTX0_PRIM = 0x80;

function tagOf(o: ASN1Obj | undefined): number | undefined {
  return o?.tag.toDER();
}

function expect(o: ASN1Obj | undefined, tag: number, what: string): ASN1Obj {
  if (tagOf(o) !== tag) throw new Error(`${what}: expected tag 0x${tag.toString(16)}, found ${o ? `0x${tagOf(o)!.toString(16)}` : "nothing"}`);
  return o!;
}

function checkSignerInfo(si: ASN1Obj): void {
  expect(si, SEQUENCE, "SignerInfo");
  const s = si.subs;
  expect(s[0], INTEGER, "SignerInfo.version");
  if (tagOf(s[1]) !== SEQUENCE && tagOf(s[1]) !== CTX0_PRIM) throw new Error("SignerInfo.sid: expected IssuerAndSerialNumber or [0] SubjectKeyIdentifier");
  expect(s[2], SEQUENCE, "SignerInfo.digestAlgorithm");
  expect(s[2]!.subs[0], OID, "SignerInfo.digestAlgorithm.algorithm");
  let i = 3;
  if (tagOf(s[i]) === CTX0) i++;
  expect(s[i], SEQUENCE, "SignerInfo.signatureAlgorithm");
  expect(s[i]!.subs[0], OID, "SignerInfo.signatureAlgorithm.algorithm");
  expect(s[i + 1], OCTET_STRING, "SignerInfo.signature");
  const rest = s.slice(i + 2);
  if (rest.length > 1 || (rest.length === 1 && tagOf(rest[0]) !== CTX1)) throw new Error("SignerInfo: unexpected fields after the signature");
}

/** Returns what is wrong with the token's structure, or undefined when it is well formed. */
export function rfc3161ShapeProblem(der: Buffer): string | undefined {
  try {
    const resp = expect(ASN1Obj.parseBuffer(der as Buffer<ArrayBuffer>), SEQUENCE, "TimeStampResp");
    expect(resp.subs[0], SEQUENCE, "TimeStampResp.status");
    const token = expect(resp.subs[1], SEQUENCE, "TimeStampResp.timeStampToken");
    expect(token.subs[0], OID, "ContentInfo.contentType");
    const wrapped = expect(token.subs[1], CTX0, "ContentInfo.content");
    const sd = expect(wrapped.subs[0], SEQUENCE, "SignedData");
    expect(sd.subs[0], INTEGER, "SignedData.version");
    const digestAlgs = expect(sd.subs[1], SET, "SignedData.digestAlgorithms");
    for (const a of digestAlgs.subs) expect(a, SEQUENCE, "SignedData.digestAlgorithms[]");
    expect(sd.subs[2], SEQUENCE, "SignedData.encapContentInfo");
    let i = 3;
    if (tagOf(sd.subs[i]) === CTX0) i++;
    if (tagOf(sd.subs[i]) === CTX1) i++;
    const signerInfos = expect(sd.subs[i], SET, "SignedData.signerInfos");
    if (signerInfos.subs.length === 0) throw new Error("SignedData.signerInfos is empty");
    signerInfos.subs.forEach(checkSignerInfo);
    if (sd.subs.length !== i + 1) throw new Error("SignedData: unexpected fields after signerInfos");
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : "unreadable";
  }
}
