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
const ID_SIGNED_DATA = "1.2.840.113549.1.7.2";
const ID_CT_TST_INFO = "1.2.840.113549.1.9.16.1.4";

function tagOf(o: ASN1Obj | undefined): number | undefined {
  return o?.tag.toDER();
}

function expect(o: ASN1Obj | undefined, tag: number, what: string): ASN1Obj {
  if (o === undefined) throw new Error(`${what}: expected tag 0x${tag.toString(16)}, found nothing`);
  const found = o.tag.toDER();
  if (found !== tag) throw new Error(`${what}: expected tag 0x${tag.toString(16)}, found 0x${found.toString(16)}`);
  return o;
}

/** Digest algorithms a timestamp may use (SHA-2). */
const DIGEST_OIDS = new Set(["2.16.840.1.101.3.4.2.1", "2.16.840.1.101.3.4.2.2", "2.16.840.1.101.3.4.2.3"]);
/** Signature algorithms a TSA may sign with: ECDSA with SHA-2, RSA PKCS#1 v1.5 and PSS, Ed25519. */
const SIGNATURE_OIDS = new Set([
  "1.2.840.10045.4.3.2",
  "1.2.840.10045.4.3.3",
  "1.2.840.10045.4.3.4",
  "1.2.840.113549.1.1.1",
  "1.2.840.113549.1.1.11",
  "1.2.840.113549.1.1.12",
  "1.2.840.113549.1.1.13",
  "1.2.840.113549.1.1.10",
  "1.3.101.112",
]);

function checkSignerInfo(si: ASN1Obj): void {
  expect(si, SEQUENCE, "SignerInfo");
  const s = si.subs;
  const version = expect(s[0], INTEGER, "SignerInfo.version").toInteger();
  // RFC 5652 §5.3: version 1 with IssuerAndSerialNumber, version 3 with SubjectKeyIdentifier.
  const sidTag = tagOf(s[1]);
  if (!((version === 1n && sidTag === SEQUENCE) || (version === 3n && sidTag === CTX0_PRIM))) {
    throw new Error(`SignerInfo: version ${version} does not fit its signer identifier`);
  }
  if (sidTag === SEQUENCE) {
    // IssuerAndSerialNumber ::= SEQUENCE { issuer Name (a SEQUENCE), serialNumber INTEGER }
    const sid = expect(s[1], SEQUENCE, "SignerInfo.sid");
    if (sid.subs.length !== 2) throw new Error("SignerInfo.sid: expected issuer and serial number");
    expect(sid.subs[0], SEQUENCE, "SignerInfo.sid.issuer");
    expect(sid.subs[1], INTEGER, "SignerInfo.sid.serialNumber");
  }
  const digestAlgorithm = expect(s[2], SEQUENCE, "SignerInfo.digestAlgorithm");
  const digestOid = expect(digestAlgorithm.subs[0], OID, "SignerInfo.digestAlgorithm.algorithm").toOID();
  if (!DIGEST_OIDS.has(digestOid)) throw new Error(`SignerInfo.digestAlgorithm ${digestOid} is not SHA-256, SHA-384 or SHA-512`);
  let i = 3;
  if (tagOf(s[i]) === CTX0) i++;
  const signatureAlgorithm = expect(s[i], SEQUENCE, "SignerInfo.signatureAlgorithm");
  const sigOid = expect(signatureAlgorithm.subs[0], OID, "SignerInfo.signatureAlgorithm.algorithm").toOID();
  if (!SIGNATURE_OIDS.has(sigOid)) throw new Error(`SignerInfo.signatureAlgorithm ${sigOid} is not a known signature algorithm`);
  expect(s[i + 1], OCTET_STRING, "SignerInfo.signature");
  const rest = s.slice(i + 2);
  if (rest.length > 1 || (rest.length === 1 && tagOf(rest[0]) !== CTX1)) throw new Error("SignerInfo: unexpected fields after the signature");
}

/** Returns what is wrong with the token's structure, or undefined when it is well formed. */
export function rfc3161ShapeProblem(der: Buffer): string | undefined {
  const shape = checkRfc3161Shape(der);
  return "problem" in shape ? shape.problem : undefined;
}

/**
 * The token's parse tree (`ASN1Obj.parseBuffer(der)`, as `RFC3161Timestamp.parse` makes it) when
 * its structure is well formed, else what is wrong with it.
 */
export function checkRfc3161Shape(der: Buffer): { readonly root: ASN1Obj } | { readonly problem: string } {
  try {
    const root = ASN1Obj.parseBuffer(der as Buffer<ArrayBuffer>);
    const resp = expect(root, SEQUENCE, "TimeStampResp");
    const status = expect(resp.subs[0], SEQUENCE, "TimeStampResp.status");
    // PKIStatus: only granted (0) and grantedWithMods (1) carry a usable token. @sigstore/core
    // never reads the status, so a rejection response with a token attached would count.
    const code = expect(status.subs[0], INTEGER, "TimeStampResp.status.status").toInteger();
    if (code !== 0n && code !== 1n) throw new Error(`TimeStampResp.status is ${code}, not granted (0) or grantedWithMods (1)`);
    const token = expect(resp.subs[1], SEQUENCE, "TimeStampResp.timeStampToken");
    if (expect(token.subs[0], OID, "ContentInfo.contentType").toOID() !== ID_SIGNED_DATA) throw new Error("ContentInfo.contentType is not id-signedData");
    const wrapped = expect(token.subs[1], CTX0, "ContentInfo.content");
    if (wrapped.subs.length !== 1 || token.subs.length !== 2) throw new Error("ContentInfo: unexpected fields");
    const sd = expect(wrapped.subs[0], SEQUENCE, "SignedData");
    // RFC 5652 §5.1: the version is 3 for a TSTInfo (not id-data) payload.
    if (expect(sd.subs[0], INTEGER, "SignedData.version").toInteger() !== 3n) throw new Error("SignedData.version is not 3");
    const digestAlgs = expect(sd.subs[1], SET, "SignedData.digestAlgorithms");
    for (const a of digestAlgs.subs) {
      const oid = expect(expect(a, SEQUENCE, "SignedData.digestAlgorithms[]").subs[0], OID, "SignedData.digestAlgorithms[].algorithm").toOID();
      if (!DIGEST_OIDS.has(oid)) throw new Error(`SignedData.digestAlgorithms has ${oid}, not SHA-256, SHA-384 or SHA-512`);
    }
    const encap = expect(sd.subs[2], SEQUENCE, "SignedData.encapContentInfo");
    if (expect(encap.subs[0], OID, "encapContentInfo.eContentType").toOID() !== ID_CT_TST_INFO)
      throw new Error("encapContentInfo.eContentType is not id-ct-TSTInfo");
    const eContent = expect(encap.subs[1], CTX0, "encapContentInfo.eContent");
    if (encap.subs.length !== 2 || eContent.subs.length !== 1) throw new Error("encapContentInfo: unexpected fields");
    expect(eContent.subs[0], OCTET_STRING, "encapContentInfo.eContent (TSTInfo)");
    let i = 3;
    if (tagOf(sd.subs[i]) === CTX0) i++;
    if (tagOf(sd.subs[i]) === CTX1) i++;
    const signerInfos = expect(sd.subs[i], SET, "SignedData.signerInfos");
    if (signerInfos.subs.length === 0) throw new Error("SignedData.signerInfos is empty");
    signerInfos.subs.forEach(checkSignerInfo);
    if (sd.subs.length !== i + 1) throw new Error("SignedData: unexpected fields after signerInfos");
    return { root };
  } catch (err) {
    return { problem: err instanceof Error ? err.message : "unreadable" };
  }
}
