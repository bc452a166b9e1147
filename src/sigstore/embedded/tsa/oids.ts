/** Object identifiers of RFC 3161 tokens (RFC 3161, RFC 5652 CMS, RFC 5035 ESS, RFC 5758). */

export const OID_SHA256 = "2.16.840.1.101.3.4.2.1";
export const OID_SHA384 = "2.16.840.1.101.3.4.2.2";
export const OID_SHA512 = "2.16.840.1.101.3.4.2.3";
export const OID_ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
/** CMS content type of a time-stamp token. */
export const OID_SIGNED_DATA = "1.2.840.113549.1.7.2";
/** Encapsulated content type of a time-stamp token: id-ct-TSTInfo. */
export const OID_CT_TSTINFO = "1.2.840.113549.1.9.16.1.4";
export const OID_ATTR_CONTENT_TYPE = "1.2.840.113549.1.9.3";
export const OID_ATTR_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
export const OID_ATTR_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47";

/** Hash algorithms a TimeStampReq may use, by OID, with their digest lengths in bytes. */
export const DIGEST_BYTES: Readonly<Record<string, number>> = {
  [OID_SHA256]: 32,
  [OID_SHA384]: 48,
  [OID_SHA512]: 64,
};
