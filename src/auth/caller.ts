/**
 * Who is calling: the identity every call carries once authenticated. Its `id` is what audit
 * events, outer statements (`requester`) and the per-call log line record; it never contains a
 * credential.
 */
import { createContextKey, type ContextValues } from "@connectrpc/connect";
import type { Scope } from "./scopes.js";

/** How the caller proved who it is. */
export type AuthMethodUsed = "api-key" | "oidc" | "mtls" | "anonymous";

export interface CallerIdentity {
  /**
   * Stable, readable identity: `apikey:<id>(<name>)`, `oidc:<subject>@<issuer>`,
   * `mtls:<SAN or CN>`, or `anonymous`.
   */
  readonly id: string;
  readonly method: AuthMethodUsed;
  readonly scopes: ReadonlySet<Scope>;
  /** The key for per-caller rate limits (the identity, or the client address for anonymous calls). */
  readonly rateKey: string;
}

/** The caller when authentication is off: may do everything (the server is loopback-only then). */
export function anonymousCaller(address = "local"): CallerIdentity {
  return { id: "anonymous", method: "anonymous", scopes: new Set(["sign", "verify", "read", "admin"]), rateKey: `anonymous:${address}` };
}

/** The authenticated caller of a call, set by the auth interceptor before any handler runs. */
export const CALLER = createContextKey<CallerIdentity | undefined>(undefined, { description: "certus-trust caller identity" });

/**
 * A caller authenticated outside the Connect router (the /mcp endpoint calls the service
 * in-process on behalf of its HTTP caller); only server code can set it, never a request.
 */
export const PREAUTHENTICATED = createContextKey<CallerIdentity | undefined>(undefined, { description: "certus-trust in-process caller" });

/** The transport-level facts about a connection that authentication may use. */
export interface PeerInfo {
  /** Remote address (for anonymous rate limiting). */
  readonly address: string;
  /** The client certificate, when TLS requested one and the client sent it. */
  readonly certificate?: PeerCertificate;
}

/** The parts of a verified client certificate that name the caller. */
export interface PeerCertificate {
  /** Whether it chains to the configured client CA (`TLSSocket.authorized`). */
  readonly authorized: boolean;
  /** Subject common name. */
  readonly commonName: string;
  /** Subject alternative names, as `URI:…`, `email:…`, `DNS:…` (Node's format, comma separated). */
  readonly subjectAltNames: readonly string[];
  /** The subject DN as `CN=…,O=…`. */
  readonly subject: string;
}

/** Where the connection facts are kept for the interceptor. */
export const PEER = createContextKey<PeerInfo>({ address: "unknown" }, { description: "certus-trust peer" });

/** The id to record for a call (audit events, statements, log line). */
export function callerIdOf(values: ContextValues): string {
  return values.get(CALLER)?.id ?? "anonymous";
}
