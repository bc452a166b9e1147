/**
 * Decides who is calling from what a request carries, whichever methods are configured:
 *
 * - `x-api-key: ctk_…`, or `Authorization: Bearer ctk_…` → API key (`--auth api-key`);
 * - `Authorization: Bearer <JWT>` → OIDC token (`--auth oidc`);
 * - no credential header, and a client certificate on the TLS connection → mTLS (`--auth mtls`).
 *
 * A credential that is sent is checked even when a certificate is present too (the explicit
 * credential names the caller). With no method configured every caller is `anonymous`.
 */
import { TrustError } from "../errors.js";
import type { ApiKeyAuthenticator } from "./api-key-authenticator.js";
import { API_KEY_PREFIX } from "./api-key-format.js";
import { anonymousCaller, type CallerIdentity, type PeerInfo } from "./caller.js";
import type { MtlsAuthenticator } from "./mtls-authenticator.js";
import type { OidcAuthenticator } from "./oidc-authenticator.js";
import { allows, type Scope } from "./scopes.js";

/** The credential headers of a request (lower-case names), whatever the protocol. */
export interface Credentials {
  authorization?: string | null | undefined;
  apiKey?: string | null | undefined;
  peer: PeerInfo;
}

export interface AuthenticatorMethods {
  apiKey?: ApiKeyAuthenticator;
  oidc?: OidcAuthenticator;
  mtls?: MtlsAuthenticator;
}

export class Authenticator {
  constructor(private readonly methods: AuthenticatorMethods) {}

  /** True when at least one method is configured. */
  get enabled(): boolean {
    return this.methods.apiKey !== undefined || this.methods.oidc !== undefined || this.methods.mtls !== undefined;
  }

  /** What a 401 says to send, for the configured methods. */
  private howTo(): string {
    const ways: string[] = [];
    if (this.methods.apiKey) ways.push("an API key (Authorization: Bearer ctk_… or x-api-key)");
    if (this.methods.oidc) ways.push("an OIDC token (Authorization: Bearer <JWT>)");
    if (this.methods.mtls) ways.push("a client certificate");
    return `authentication required: send ${ways.join(", or ")}`;
  }

  /** The caller; throws `UNAUTHENTICATED` (or `UNAVAILABLE` when an OIDC issuer cannot be reached). */
  async authenticate(c: Credentials): Promise<CallerIdentity> {
    if (!this.enabled) return anonymousCaller(c.peer.address);
    const bearer = bearerOf(c.authorization);
    const apiKey = c.apiKey ?? (bearer?.startsWith(API_KEY_PREFIX) ? bearer : undefined);
    if (apiKey) {
      if (!this.methods.apiKey) throw new TrustError("UNAUTHENTICATED", `API keys are not accepted by this service; ${this.howTo()}`);
      return this.methods.apiKey.authenticate(apiKey);
    }
    if (bearer) {
      if (!this.methods.oidc) throw new TrustError("UNAUTHENTICATED", `bearer tokens other than API keys are not accepted by this service; ${this.howTo()}`);
      return this.methods.oidc.authenticate(bearer);
    }
    if (c.authorization) throw new TrustError("UNAUTHENTICATED", 'the Authorization header must be "Bearer <credential>"');
    if (this.methods.mtls && c.peer.certificate) return this.methods.mtls.authenticate(c.peer.certificate);
    throw new TrustError("UNAUTHENTICATED", this.howTo());
  }
}

function bearerOf(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

/** Throws `PERMISSION_DENIED` unless the caller holds `scope`. */
export function authorize(caller: CallerIdentity, scope: Scope, what: string): void {
  if (allows(caller.scopes, scope)) return;
  const has = caller.scopes.size ? [...caller.scopes].join(", ") : "none";
  throw new TrustError("PERMISSION_DENIED", `${caller.id} may not call ${what}: it needs the "${scope}" scope (has: ${has})`);
}
