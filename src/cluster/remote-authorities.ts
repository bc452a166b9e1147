/**
 * The CA and TSA ports in a worker: the writer holds their keys and issues (the CA also logs each
 * precertificate in its CT log, a write), so workers ask it. The CA is asked once per service
 * certificate (every few minutes, see `embedded/service-identity.ts`), the TSA once per Sign.
 */
import type { CertificateAuthority, CertificateRequest, IssuedCertificate } from "../sigstore/certificate-authority.js";
import type { TimestampAuthority } from "../sigstore/timestamp-authority.js";
import type { WriterChannel } from "./writer-channel.js";

export function remoteCertificateAuthority(writer: WriterChannel): CertificateAuthority {
  return { certify: (request: CertificateRequest) => writer.call<IssuedCertificate>("ca", "certify", request) };
}

export function remoteTimestampAuthority(writer: WriterChannel): TimestampAuthority {
  return { timestamp: (data: Uint8Array) => writer.call<Buffer>("tsa", "timestamp", data) };
}
