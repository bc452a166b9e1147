/**
 * Reads the connection facts authentication needs (client address, client certificate) from a
 * Node request, HTTP/1.1 or HTTP/2, plaintext or TLS.
 */
import type { PeerCertificate as TlsPeerCertificate, TLSSocket } from "node:tls";
import type { Req } from "../http/types.js";
import type { PeerCertificate, PeerInfo } from "./caller.js";

function formatSubject(subject: Record<string, string | string[]> | undefined): string {
  if (!subject) return "";
  return Object.entries(subject)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("+") : v}`)
    .join(",");
}

function certificateOf(socket: TLSSocket): PeerCertificate | undefined {
  // Node's types say PeerCertificate; its docs: null once the socket is destroyed, {} without a certificate.
  const cert = socket.getPeerCertificate(false) as TlsPeerCertificate | null;
  if (!cert || Object.keys(cert).length === 0) return undefined;
  // The typings promise a subject object; a certificate with an empty subject may come without one.
  const subject = cert.subject as TlsPeerCertificate["subject"] | undefined;
  const cn = subject?.CN;
  return {
    authorized: socket.authorized,
    commonName: Array.isArray(cn) ? (cn[0] ?? "") : (cn ?? ""),
    subjectAltNames: (cert.subjectaltname ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    subject: formatSubject(subject as unknown as Record<string, string | string[]> | undefined),
  };
}

/** The peer of a request. */
export function peerOf(req: Req): PeerInfo {
  // For HTTP/2 `req.socket` is a proxy onto the session's socket; TLS methods pass through.
  const socket = req.socket as TLSSocket | undefined;
  const address = socket?.remoteAddress ?? "unknown";
  if (socket && typeof socket.getPeerCertificate === "function") {
    const certificate = certificateOf(socket);
    if (certificate) return { address, certificate };
  }
  return { address };
}
