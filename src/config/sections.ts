/**
 * The configuration cut by concern. The option table (`config.ts`, `OPTIONS`) names each option's
 * section; `sectionsOf` builds the sections from that table, and the types below say what each
 * module may read. A module receives its section (and the few service-wide values it needs, named
 * at the call), never the whole configuration, so what configures it is visible at its signature.
 */
import { OPTIONS, type SectionName, type TrustConfig } from "./config.js";

/** Service-wide identity and storage: where state lives, which mode, who the service signs as. */
export type ServiceConfig = Pick<TrustConfig, "dataDir" | "mode" | "identity" | "issuer" | "publicUrl" | "policyFile" | "logLevel">;
/** The listener: address, TLS, CORS, shutdown. */
export type ServerConfig = Pick<TrustConfig, "port" | "host" | "tlsCert" | "tlsKey" | "tlsClientCa" | "corsOrigins" | "shutdownGraceMs">;
/** Request limits and verification capacity. */
export type LimitsConfig = Pick<TrustConfig, "maxBodyBytes" | "defaultDeadlineMs" | "verifyWorkers">;
/** Authentication, authorization rules and rate limits. */
export type AuthConfig = Pick<TrustConfig, "auth" | "authRules" | "authOidcIssuers" | "authOidcAudience" | "rateLimit" | "rateLimitBurst" | "insecureAllowAnonymous">;
/** The embedded Sigstore stack: the log's quota, the Fulcio-compatible endpoint's issuers. */
export type EmbeddedConfig = Pick<TrustConfig, "logMaxBytes" | "oidcIssuers">;
/** `mode: sigstore`: the upstreams, the trust root source and the service's own OIDC credential. */
export type SigstoreConfig = Pick<
  TrustConfig,
  | "fulcioUrl" | "rekorUrl" | "rekorVersion" | "tsaUrl" | "tufMirrorUrl" | "tufRootFile" | "trustedRootFile"
  | "oidcTokenUrl" | "oidcClientId" | "oidcClientSecretFile" | "oidcScope" | "oidcTokenFile" | "upstreamDeadlineMs" | "tufRefreshMs"
>;
/** The Certus integration: the Transform callback and the storage targets of upload permissions. */
export type CertusConfig = Pick<TrustConfig, "transformCallbackUrl" | "transformCallbackSecretFile" | "uploadS3Bucket" | "uploadOciRegistry">;

export interface ConfigSections {
  readonly service: ServiceConfig;
  readonly server: ServerConfig;
  readonly limits: LimitsConfig;
  readonly auth: AuthConfig;
  readonly embedded: EmbeddedConfig;
  readonly sigstore: SigstoreConfig;
  readonly certus: CertusConfig;
}

// Every section name has a type above: adding a section to the table without one fails to compile.
type Exhaustive = { [K in SectionName]: ConfigSections[K] };

/** Cuts a resolved configuration into its sections, as the option table assigns them (frozen copies). */
export function sectionsOf(config: TrustConfig): ConfigSections {
  const out: Record<SectionName, Record<string, unknown>> = { service: {}, server: {}, limits: {}, auth: {}, embedded: {}, sigstore: {}, certus: {} };
  for (const spec of OPTIONS) out[spec.section][spec.key] = config[spec.key];
  for (const section of Object.values(out)) Object.freeze(section);
  return out as unknown as Exhaustive;
}
