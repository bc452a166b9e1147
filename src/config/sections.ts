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
export type ServerConfig = Pick<
  TrustConfig,
  | "port"
  | "host"
  | "tlsCert"
  | "tlsKey"
  | "tlsClientCa"
  | "corsOrigins"
  | "shutdownGraceMs"
  | "workers"
  | "headersTimeoutMs"
  | "requestTimeoutMs"
  | "idleTimeoutMs"
>;
/** Request limits and verification capacity. */
export type LimitsConfig = Pick<
  TrustConfig,
  "maxBodyBytes" | "defaultDeadlineMs" | "verifyWorkers" | "verifyBudgetMs" | "watchMaxStreams" | "watchMaxLifetimeMs"
>;
/** Authentication, authorization rules and rate limits. */
export type AuthConfig = Pick<
  TrustConfig,
  "auth" | "authRules" | "authOidcIssuers" | "authOidcAudience" | "rateLimit" | "rateLimitBurst" | "insecureAllowAnonymous"
>;
/** The embedded Sigstore stack: the log's quota, the Fulcio-compatible endpoint's issuers, who may write to its Rekor-compatible log. */
export type EmbeddedConfig = Pick<TrustConfig, "logMaxBytes" | "oidcIssuers" | "compatWrites" | "compatWriteRate" | "compatWriteQuotaBytes">;
/** `mode: sigstore`: the upstreams, the trust root source and the service's own OIDC credential. */
export type SigstoreConfig = Pick<
  TrustConfig,
  | "fulcioUrl"
  | "rekorUrl"
  | "rekorVersion"
  | "rekorReadUrl"
  | "checkpointPollMs"
  | "tsaUrl"
  | "tufMirrorUrl"
  | "tufRootFile"
  | "trustedRootFile"
  | "oidcTokenUrl"
  | "oidcClientId"
  | "oidcClientSecretFile"
  | "oidcScope"
  | "oidcTokenFile"
  | "upstreamDeadlineMs"
  | "tufRefreshMs"
>;
/** The Certus integration: the Transform callback and the storage targets of upload permissions. */
export type CertusConfig = Pick<TrustConfig, "transformCallbackUrl" | "transformCallbackSecretFile" | "uploadS3Bucket" | "uploadOciRegistry">;

/** Where the service's own state lives: files, or a PostgreSQL database shared by replicas. */
export type StateConfig = Pick<TrustConfig, "stateStore" | "databaseUrl" | "databaseCaFile" | "databasePoolSize">;

export interface ConfigSections {
  readonly service: ServiceConfig;
  readonly server: ServerConfig;
  readonly limits: LimitsConfig;
  readonly auth: AuthConfig;
  readonly embedded: EmbeddedConfig;
  readonly sigstore: SigstoreConfig;
  readonly certus: CertusConfig;
  readonly state: StateConfig;
}

// Every section name has a type above: adding a section to the table without one fails to compile.
type Exhaustive = { [K in SectionName]: ConfigSections[K] };

/** Cuts a resolved configuration into its sections, as the option table assigns them (frozen copies). */
export function sectionsOf(config: TrustConfig): ConfigSections {
  const out: Record<SectionName, Record<string, unknown>> = {
    service: {},
    server: {},
    limits: {},
    auth: {},
    embedded: {},
    sigstore: {},
    certus: {},
    state: {},
  };
  for (const spec of OPTIONS) out[spec.section][spec.key] = config[spec.key];
  for (const section of Object.values(out)) Object.freeze(section);
  return out as unknown as Exhaustive;
}
