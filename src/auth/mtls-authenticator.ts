/**
 * Authenticates callers by their TLS client certificate. The TLS layer requests a certificate and
 * checks it against `--tls-client-ca` (`TLSSocket.authorized`) without refusing the handshake, so
 * callers with API keys or tokens can connect without one; here a certificate that does not chain
 * to the CA is refused. The caller is named by its first SAN (else its CN); scopes come from rules.
 */
import { TrustError } from "../errors.js";
import type { CallerIdentity, PeerCertificate } from "./caller.js";
import { scopesForCertificate, type AuthRules } from "./rules.js";

export class MtlsAuthenticator {
  constructor(private readonly rules: AuthRules) {}

  authenticate(cert: PeerCertificate): CallerIdentity {
    if (!cert.authorized) throw new TrustError("UNAUTHENTICATED", "the client certificate is not issued by a trusted client CA");
    const san = cert.subjectAltNames[0]?.replace(/^[A-Za-z ]+:/, "");
    const name = san || cert.commonName;
    if (!name) throw new TrustError("UNAUTHENTICATED", "the client certificate names no subject (no SAN, no CN)");
    const id = `mtls:${name}`;
    return { id, method: "mtls", scopes: scopesForCertificate(this.rules, cert), rateKey: id };
  }
}
