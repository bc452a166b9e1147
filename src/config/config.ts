/**
 * The service's configuration: one typed object, resolved once at start from (highest first)
 * command-line flags, environment variables (`CERTUS_TRUST_*`), a YAML file (`--config`) and the
 * defaults below, then validated together. Every option is documented here with its unit and
 * default, and belongs to one concern (`section`); `certus-trust serve --help` prints the same
 * table grouped by concern (see `OPTIONS`), and `sections.ts` cuts the resolved object into the
 * typed sections the modules receive.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { parseIssuerEntries } from "../oidc/issuer-config.js";

/** The resolved configuration. */
export interface TrustConfig {
  /** TCP port of the one listener (Connect, gRPC, gRPC-Web, REST, health). 0 picks a free one. */
  port: number;
  /** Address to bind. Loopback unless authentication is configured. */
  host: string;
  /** Where keys, the log and the audit trail live. Created 0700 on first start. */
  dataDir: string;
  /** `embedded` (in-process CA, log, TSA, TUF) or `sigstore` (external services). */
  mode: "embedded" | "sigstore";
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Deadline applied to calls that do not send one, in milliseconds. */
  defaultDeadlineMs: number;
  /** How long in-flight calls may run after SIGTERM/SIGINT before connections are cut, in ms. */
  shutdownGraceMs: number;
  /**
   * Processes serving the one port (`certus-trust serve` only; see `src/cluster/`). 1 is one
   * process, as before; more forks that many workers behind one writer process that owns the
   * log and the state files. Default: one per core.
   */
  workers: number;
  /**
   * Time a connection has to say which protocol it speaks and finish its TLS handshake, and an
   * HTTP/1.1 request to send its headers, in ms. Past it the connection is closed (408 where HTTP/1.1 allows).
   */
  headersTimeoutMs: number;
  /** Time to receive a whole request (headers and body; an HTTP/2 stream's request side), in ms. */
  requestTimeoutMs: number;
  /** An HTTP/2 connection with no open stream for this long is closed (GOAWAY), in ms. */
  idleTimeoutMs: number;
  /** Browser origins allowed by CORS (exact origins, or `*`). Empty: no CORS headers. */
  corsOrigins: string[];
  /** PEM certificate file for TLS; TLS is on when both `tlsCert` and `tlsKey` are set. */
  tlsCert: string | undefined;
  /** PEM private-key file for TLS. */
  tlsKey: string | undefined;
  /** pino log level. */
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** The service's own signing identity (certificate SAN of its outer signatures). */
  identity: string;
  /** OIDC issuer in the service's own certificates; empty: the one fixed at first start in instance.json (the public URL, else the URL reachable then). Setting it changes the recorded one (logged). */
  issuer: string;
  /** The URL clients reach the service at; empty means `http(s)://<host>:<port>`. */
  publicUrl: string;
  /**
   * Allows binding a non-loopback address with no authentication configured. Off by default:
   * a trust service open to the network without authentication would sign for anyone.
   */
  insecureAllowAnonymous: boolean;
  /** YAML file of named signer policies; reloaded on SIGHUP and on change. Empty: built-in `default`. */
  policyFile: string;
  /**
   * Authentication methods accepted, any combination of `api-key`, `oidc`, `mtls`. Empty: no
   * authentication, every caller is `anonymous` (loopback only, see `insecureAllowAnonymous`).
   */
  auth: AuthMethod[];
  /** YAML file mapping OIDC claims and client-certificate identities to scopes (see `auth/rules.ts`). */
  authRules: string;
  /** OIDC issuers whose bearer tokens authenticate callers (discovery + JWKS, verified with jose). */
  authOidcIssuers: string[];
  /** The audience (`aud`) a caller's OIDC token must name. */
  authOidcAudience: string;
  /** PEM CA certificates that client certificates must chain to; turns on client-certificate requests (mTLS). */
  tlsClientCa: string | undefined;
  /**
   * Who may append through the Rekor-compatible `POST /api/v1/log/entries` once authentication is
   * configured: `gated` (the default) takes entries whose verifiers are certificates this
   * instance's CA issued and that are valid now, or from callers with the RPCs' credentials and
   * the `sign` scope; `open` takes anyone's (upstream Rekor's behaviour). Without `--auth` the
   * endpoint is open either way (the server is loopback-only then).
   */
  compatWrites: "open" | "gated";
  /** Rekor-compatible writes per second per client address (token bucket; burst twice that). */
  compatWriteRate: number;
  /** Bytes of log entries each writer may add through the Rekor-compatible endpoint per hour. */
  compatWriteQuotaBytes: number;
  /** Sustained calls per second per caller (token bucket refill); 0 turns rate limiting off. */
  rateLimit: number;
  /** Calls a caller may make at once above the sustained rate (token bucket size). */
  rateLimitBurst: number;
  /**
   * Size quota of the transparency log database (`tlog.sqlite`), in bytes; 0 means none. Appends
   * beyond it fail as `unavailable` ("disk or quota is full"), as on a full disk, and the log
   * stays readable. Keeps the log from filling a volume it shares with other data.
   */
  logMaxBytes: number;
  /**
   * OIDC issuers whose ID tokens the Fulcio-compatible endpoint (`POST /api/v2/signingCert`)
   * accepts: entries `<issuer URL>` or `<issuer URL>|<audience>|<email|sub>` (audience default
   * `sigstore`, identity claim default `email`). Empty: that endpoint refuses every request.
   */
  oidcIssuers: string[];
  /**
   * Certus-Transform's base URL: permitted uploads are sent to `<url>/v1/execute-upload`. Empty
   * (the default): the callback is off and Transform is never called.
   */
  transformCallbackUrl: string;
  /**
   * File holding the shared secret (at least 32 bytes) the Transform callback is authenticated
   * with (`X-Certus-Signature`, HMAC-SHA256). Required when `transformCallbackUrl` is set.
   */
  transformCallbackSecretFile: string;
  /** The raw S3 bucket named in upload permissions' storage config. */
  uploadS3Bucket: string;
  /** The OCI registry host named in upload permissions' storage config. */
  uploadOciRegistry: string;
  /** Worker threads that verify bundles for the Verify RPC; 0 verifies in the request thread. Default: one per core. */
  verifyWorkers: number;
  /**
   * Time budget of one Verify request's verifications, in ms (or the call's deadline, if sooner).
   * Past it the request fails with `deadline_exceeded` and a worker still busy with it is replaced.
   */
  verifyBudgetMs: number;
  /** Most `WatchCheckpoints` streams open at once; one more is refused with `resource_exhausted`. */
  watchMaxStreams: number;
  /** A `WatchCheckpoints` stream ends after this long (the client reconnects), in ms. */
  watchMaxLifetimeMs: number;
  /** `mode: sigstore`: Fulcio's base URL (v2 API). */
  fulcioUrl: string;
  /** `mode: sigstore`: Rekor's base URL. */
  rekorUrl: string;
  /** `mode: sigstore`: Rekor's major API version, 1 or 2 (v2 entries need `tsaUrl`). */
  rekorVersion: number;
  /**
   * `mode: sigstore`, Rekor v2: where the log's checkpoint and C2SP tiles are read (its bucket,
   * CDN or a file server over its storage); rekor-tiles serves writes only. Empty: GetTransparency
   * and WatchCheckpoints say the log cannot be read.
   */
  rekorReadUrl: string;
  /** `mode: sigstore`: how often WatchCheckpoints polls the upstream log's checkpoint, in milliseconds. */
  checkpointPollMs: number;
  /** `mode: sigstore`: the timestamp authority's base URL (`<url>/api/v1/timestamp`); required with Rekor v2. */
  tsaUrl: string;
  /** `mode: sigstore`: base URL of the TUF repository serving `trusted_root.json`. */
  tufMirrorUrl: string;
  /** `mode: sigstore`: the TUF root.json trusted on first use (with `tufMirrorUrl`). */
  tufRootFile: string;
  /** `mode: sigstore`: a fixed `trusted_root.json`, instead of `tufMirrorUrl` + `tufRootFile`. */
  trustedRootFile: string;
  /** `mode: sigstore`: OIDC token endpoint for the client-credentials grant (with `oidcClientId`, `oidcClientSecretFile`). */
  oidcTokenUrl: string;
  /** `mode: sigstore`: client id of the client-credentials grant. */
  oidcClientId: string;
  /** `mode: sigstore`: file holding the client secret. */
  oidcClientSecretFile: string;
  /** `mode: sigstore`: scope requested with the client-credentials grant; empty: none. */
  oidcScope: string;
  /** `mode: sigstore`: file holding the service's OIDC token, re-read when it changes (a Kubernetes projected service-account token). */
  oidcTokenFile: string;
  /** `mode: sigstore`: budget of one upstream call (retries included), in milliseconds; past it the caller gets `unavailable`. */
  upstreamDeadlineMs: number;
  /** `mode: sigstore`: time between refreshes of the trusted root from TUF, in milliseconds. */
  tufRefreshMs: number;
  /**
   * Where the service's own state (audit trail, upload permissions, API keys, entry index) lives:
   * `file` (the default: files in the data directory, one process) or `postgres` (one PostgreSQL
   * database shared by every replica; needs `databaseUrl`).
   */
  stateStore: "file" | "postgres";
  /**
   * `stateStore: postgres`: `postgres://user[:password]@host[:port]/database[?sslmode=…]`
   * (see `state/postgres/connection.ts`; TLS is verified by default off loopback). Prefer the
   * environment variable, or PGPASSWORD for the password, to keep it out of the process list.
   */
  databaseUrl: string;
  /** `stateStore: postgres`: PEM CA file the database server's certificate must chain to. */
  databaseCaFile: string;
  /** `stateStore: postgres`: connections each process keeps to the database at most. */
  databasePoolSize: number;
}

/**
 * The concerns the options are grouped by. Each module receives its own section (see
 * `sections.ts`), never the whole configuration.
 */
export const SECTION_NAMES = ["service", "server", "limits", "auth", "embedded", "sigstore", "certus", "state"] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

/** The authentication methods `--auth` accepts. */
export const AUTH_METHODS = ["api-key", "oidc", "mtls"] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** One documented option: its key, flag, environment variable, default and what it accepts. */
export interface OptionSpecOf<K extends keyof TrustConfig> {
  key: K;
  /** The value when no flag, environment variable or file sets it. */
  default: TrustConfig[K];
  /** The concern it configures: the section of `sectionsOf` it lands in, and its `--help` group. */
  section: SectionName;
  flag: string;
  env: string;
  kind: "int" | "string" | "list" | "enum" | "bool";
  values?: readonly string[];
  min?: number;
  max?: number;
  description: string;
}

/** An option row; the union over keys makes each row's default checked against its own key. */
export type OptionSpec = { [K in keyof TrustConfig]: OptionSpecOf<K> }[keyof TrustConfig];

/** Every option, in the order `--help` lists them. */
export const OPTIONS: readonly OptionSpec[] = [
  {
    key: "port",
    section: "server",
    default: 8888,
    flag: "port",
    env: "CERTUS_TRUST_PORT",
    kind: "int",
    min: 0,
    max: 65535,
    description: "TCP port for every protocol",
  },
  {
    key: "host",
    section: "server",
    default: "127.0.0.1",
    flag: "host",
    env: "CERTUS_TRUST_HOST",
    kind: "string",
    description: "address to bind (loopback unless authentication is on)",
  },
  {
    key: "dataDir",
    section: "service",
    default: "./.certus-trust",
    flag: "data-dir",
    env: "CERTUS_TRUST_DATA_DIR",
    kind: "string",
    description: "keys, log and audit trail (created 0700)",
  },
  {
    key: "mode",
    section: "service",
    default: "embedded",
    flag: "mode",
    env: "CERTUS_TRUST_MODE",
    kind: "enum",
    values: ["embedded", "sigstore"],
    description: "embedded Sigstore stack or external services",
  },
  {
    key: "maxBodyBytes",
    section: "limits",
    default: 4 * 1024 * 1024,
    flag: "max-body-bytes",
    env: "CERTUS_TRUST_MAX_BODY_BYTES",
    kind: "int",
    min: 1024,
    max: 256 * 1024 * 1024,
    description: "largest request body, bytes",
  },
  {
    key: "defaultDeadlineMs",
    section: "limits",
    default: 30_000,
    flag: "default-deadline-ms",
    env: "CERTUS_TRUST_DEFAULT_DEADLINE_MS",
    kind: "int",
    min: 1,
    max: 3_600_000,
    description: "deadline for calls that send none, ms",
  },
  {
    key: "shutdownGraceMs",
    section: "server",
    default: 10_000,
    flag: "shutdown-grace-ms",
    env: "CERTUS_TRUST_SHUTDOWN_GRACE_MS",
    kind: "int",
    min: 0,
    max: 600_000,
    description: "time in-flight calls get after SIGTERM, ms",
  },
  {
    key: "workers",
    section: "server",
    default: availableParallelism(),
    flag: "workers",
    env: "CERTUS_TRUST_WORKERS",
    kind: "int",
    min: 1,
    max: 256,
    description: "processes serving the port behind one writer (1: a single process; default: one per core)",
  },
  {
    key: "headersTimeoutMs",
    section: "server",
    default: 15_000,
    flag: "headers-timeout-ms",
    env: "CERTUS_TRUST_HEADERS_TIMEOUT_MS",
    kind: "int",
    min: 100,
    max: 600_000,
    description: "time for a connection's TLS handshake and a request's headers, ms",
  },
  {
    key: "requestTimeoutMs",
    section: "server",
    default: 60_000,
    flag: "request-timeout-ms",
    env: "CERTUS_TRUST_REQUEST_TIMEOUT_MS",
    kind: "int",
    min: 100,
    max: 3_600_000,
    description: "time to receive a whole request (headers and body), ms",
  },
  {
    key: "idleTimeoutMs",
    section: "server",
    default: 60_000,
    flag: "idle-timeout-ms",
    env: "CERTUS_TRUST_IDLE_TIMEOUT_MS",
    kind: "int",
    min: 100,
    max: 3_600_000,
    description: "an HTTP/2 connection with no open stream is closed after, ms",
  },
  {
    key: "corsOrigins",
    section: "server",
    default: [],
    flag: "cors-origins",
    env: "CERTUS_TRUST_CORS_ORIGINS",
    kind: "list",
    description: "comma list of browser origins allowed by CORS",
  },
  {
    key: "tlsCert",
    section: "server",
    default: undefined,
    flag: "tls-cert",
    env: "CERTUS_TRUST_TLS_CERT",
    kind: "string",
    description: "PEM certificate file; TLS with ALPN when set with --tls-key",
  },
  {
    key: "tlsKey",
    section: "server",
    default: undefined,
    flag: "tls-key",
    env: "CERTUS_TRUST_TLS_KEY",
    kind: "string",
    description: "PEM private key file for TLS",
  },
  {
    key: "logLevel",
    section: "service",
    default: "info",
    flag: "log-level",
    env: "CERTUS_TRUST_LOG_LEVEL",
    kind: "enum",
    values: ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
    description: "log level",
  },
  {
    key: "identity",
    section: "service",
    default: "certus-trust@certus.cloud",
    flag: "identity",
    env: "CERTUS_TRUST_IDENTITY",
    kind: "string",
    description: "the service's signing identity (certificate SAN)",
  },
  {
    key: "issuer",
    section: "service",
    default: "",
    flag: "issuer",
    env: "CERTUS_TRUST_ISSUER",
    kind: "string",
    description:
      "OIDC issuer in the service's certificates (default: fixed at first start in instance.json: the public URL, else the URL reachable then; setting it changes it, logged)",
  },
  {
    key: "publicUrl",
    section: "service",
    default: "",
    flag: "public-url",
    env: "CERTUS_TRUST_PUBLIC_URL",
    kind: "string",
    description: "URL clients use (default: http://<host>:<port>)",
  },
  {
    key: "policyFile",
    section: "service",
    default: "",
    flag: "policy-file",
    env: "CERTUS_TRUST_POLICY_FILE",
    kind: "string",
    description: "YAML signer policies (reloaded on SIGHUP and on change)",
  },
  {
    key: "auth",
    section: "auth",
    default: [],
    flag: "auth",
    env: "CERTUS_TRUST_AUTH",
    kind: "list",
    values: AUTH_METHODS,
    description: "authentication methods, comma list",
  },
  {
    key: "authRules",
    section: "auth",
    default: "",
    flag: "auth-rules",
    env: "CERTUS_TRUST_AUTH_RULES",
    kind: "string",
    description: "YAML mapping OIDC claims and client certificates to scopes",
  },
  {
    key: "authOidcIssuers",
    section: "auth",
    default: [],
    flag: "auth-oidc-issuers",
    env: "CERTUS_TRUST_AUTH_OIDC_ISSUERS",
    kind: "list",
    description: "comma list of OIDC issuers whose tokens authenticate callers (--auth oidc)",
  },
  {
    key: "authOidcAudience",
    section: "auth",
    default: "certus-trust",
    flag: "auth-oidc-audience",
    env: "CERTUS_TRUST_AUTH_OIDC_AUDIENCE",
    kind: "string",
    description: "audience a caller's OIDC token must name",
  },
  {
    key: "tlsClientCa",
    section: "server",
    default: undefined,
    flag: "tls-client-ca",
    env: "CERTUS_TRUST_TLS_CLIENT_CA",
    kind: "string",
    description: "PEM CA file; requests client certificates (mTLS)",
  },
  {
    key: "compatWrites",
    section: "embedded",
    default: "gated",
    flag: "compat-writes",
    env: "CERTUS_TRUST_COMPAT_WRITES",
    kind: "enum",
    values: ["open", "gated"],
    description: "with --auth: who may append through POST /api/v1/log/entries (gated: certificates from this CA or callers with sign)",
  },
  {
    key: "compatWriteRate",
    section: "embedded",
    default: 10,
    flag: "compat-write-rate",
    env: "CERTUS_TRUST_COMPAT_WRITE_RATE",
    kind: "int",
    min: 1,
    max: 1_000_000,
    description: "Rekor-compatible writes per second per client address",
  },
  {
    key: "compatWriteQuotaBytes",
    section: "embedded",
    default: 16 * 1024 * 1024,
    flag: "compat-write-quota-bytes",
    env: "CERTUS_TRUST_COMPAT_WRITE_QUOTA_BYTES",
    kind: "int",
    min: 16 * 1024,
    max: Number.MAX_SAFE_INTEGER,
    description: "bytes of log entries each writer may add per hour through the Rekor-compatible endpoint",
  },
  {
    key: "rateLimit",
    section: "auth",
    default: 100,
    flag: "rate-limit",
    env: "CERTUS_TRUST_RATE_LIMIT",
    kind: "int",
    min: 0,
    max: 1_000_000,
    description: "calls per second per caller (0: off; anonymous loopback callers are not limited)",
  },
  {
    key: "rateLimitBurst",
    section: "auth",
    default: 200,
    flag: "rate-limit-burst",
    env: "CERTUS_TRUST_RATE_LIMIT_BURST",
    kind: "int",
    min: 1,
    max: 1_000_000,
    description: "calls a caller may burst above the rate",
  },
  {
    key: "logMaxBytes",
    section: "embedded",
    default: 0,
    flag: "log-max-bytes",
    env: "CERTUS_TRUST_LOG_MAX_BYTES",
    kind: "int",
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    description: "size quota of the transparency log database, bytes (0: none)",
  },
  {
    key: "oidcIssuers",
    section: "embedded",
    default: [],
    flag: "oidc-issuers",
    env: "CERTUS_TRUST_OIDC_ISSUERS",
    kind: "list",
    description: "OIDC issuers for the Fulcio endpoint, comma list of url[|audience[|email|sub]]",
  },
  {
    key: "transformCallbackUrl",
    section: "certus",
    default: "",
    flag: "transform-callback-url",
    env: "CERTUS_TRUST_TRANSFORM_CALLBACK_URL",
    kind: "string",
    description: "Certus-Transform base URL for execute-upload callbacks (empty: off)",
  },
  {
    key: "transformCallbackSecretFile",
    section: "certus",
    default: "",
    flag: "transform-callback-secret-file",
    env: "CERTUS_TRUST_TRANSFORM_CALLBACK_SECRET_FILE",
    kind: "string",
    description: "file with the HMAC secret authenticating the Transform callback",
  },
  {
    key: "uploadS3Bucket",
    section: "certus",
    default: "certus-raw",
    flag: "upload-s3-bucket",
    env: "CERTUS_TRUST_UPLOAD_S3_BUCKET",
    kind: "string",
    description: "raw S3 bucket named in upload permissions",
  },
  {
    key: "uploadOciRegistry",
    section: "certus",
    default: "registry.certus.cloud",
    flag: "upload-oci-registry",
    env: "CERTUS_TRUST_UPLOAD_OCI_REGISTRY",
    kind: "string",
    description: "OCI registry named in upload permissions",
  },
  {
    key: "verifyWorkers",
    section: "limits",
    default: availableParallelism(),
    flag: "verify-workers",
    env: "CERTUS_TRUST_VERIFY_WORKERS",
    kind: "int",
    min: 0,
    max: 256,
    description: "worker threads verifying bundles (0: in the request thread; default: one per core)",
  },
  {
    key: "verifyBudgetMs",
    section: "limits",
    default: 10_000,
    flag: "verify-budget-ms",
    env: "CERTUS_TRUST_VERIFY_BUDGET_MS",
    kind: "int",
    min: 10,
    max: 600_000,
    description: "time budget of one Verify request's verifications, ms",
  },
  {
    key: "watchMaxStreams",
    section: "limits",
    default: 256,
    flag: "watch-max-streams",
    env: "CERTUS_TRUST_WATCH_MAX_STREAMS",
    kind: "int",
    min: 1,
    max: 1_000_000,
    description: "most WatchCheckpoints streams open at once",
  },
  {
    key: "watchMaxLifetimeMs",
    section: "limits",
    default: 3_600_000,
    flag: "watch-max-lifetime-ms",
    env: "CERTUS_TRUST_WATCH_MAX_LIFETIME_MS",
    kind: "int",
    min: 100,
    max: 7 * 24 * 3_600_000,
    description: "a WatchCheckpoints stream ends after this long (clients reconnect), ms",
  },
  {
    key: "fulcioUrl",
    section: "sigstore",
    default: "",
    flag: "fulcio-url",
    env: "CERTUS_TRUST_FULCIO_URL",
    kind: "string",
    description: "mode sigstore: Fulcio base URL",
  },
  {
    key: "rekorUrl",
    section: "sigstore",
    default: "",
    flag: "rekor-url",
    env: "CERTUS_TRUST_REKOR_URL",
    kind: "string",
    description: "mode sigstore: Rekor base URL",
  },
  {
    key: "rekorVersion",
    section: "sigstore",
    default: 1,
    flag: "rekor-version",
    env: "CERTUS_TRUST_REKOR_VERSION",
    kind: "int",
    min: 1,
    max: 2,
    description: "mode sigstore: Rekor API version (1 or 2; 2 needs --tsa-url)",
  },
  {
    key: "rekorReadUrl",
    section: "sigstore",
    default: "",
    flag: "rekor-read-url",
    env: "CERTUS_TRUST_REKOR_READ_URL",
    kind: "string",
    description: "mode sigstore, Rekor v2: URL the log's checkpoint and tiles are read from",
  },
  {
    key: "checkpointPollMs",
    section: "sigstore",
    default: 1_000,
    flag: "checkpoint-poll-ms",
    env: "CERTUS_TRUST_CHECKPOINT_POLL_MS",
    kind: "int",
    min: 100,
    max: 3_600_000,
    description: "mode sigstore: interval of upstream checkpoint polls (WatchCheckpoints), ms",
  },
  {
    key: "tsaUrl",
    section: "sigstore",
    default: "",
    flag: "tsa-url",
    env: "CERTUS_TRUST_TSA_URL",
    kind: "string",
    description: "mode sigstore: timestamp authority base URL",
  },
  {
    key: "tufMirrorUrl",
    section: "sigstore",
    default: "",
    flag: "tuf-mirror-url",
    env: "CERTUS_TRUST_TUF_MIRROR_URL",
    kind: "string",
    description: "mode sigstore: TUF repository serving trusted_root.json",
  },
  {
    key: "tufRootFile",
    section: "sigstore",
    default: "",
    flag: "tuf-root-file",
    env: "CERTUS_TRUST_TUF_ROOT_FILE",
    kind: "string",
    description: "mode sigstore: TUF root.json trusted on first use",
  },
  {
    key: "trustedRootFile",
    section: "sigstore",
    default: "",
    flag: "trusted-root-file",
    env: "CERTUS_TRUST_TRUSTED_ROOT_FILE",
    kind: "string",
    description: "mode sigstore: fixed trusted_root.json instead of TUF",
  },
  {
    key: "oidcTokenUrl",
    section: "sigstore",
    default: "",
    flag: "oidc-token-url",
    env: "CERTUS_TRUST_OIDC_TOKEN_URL",
    kind: "string",
    description: "mode sigstore: OIDC token endpoint (client-credentials grant)",
  },
  {
    key: "oidcClientId",
    section: "sigstore",
    default: "",
    flag: "oidc-client-id",
    env: "CERTUS_TRUST_OIDC_CLIENT_ID",
    kind: "string",
    description: "mode sigstore: client id for the client-credentials grant",
  },
  {
    key: "oidcClientSecretFile",
    section: "sigstore",
    default: "",
    flag: "oidc-client-secret-file",
    env: "CERTUS_TRUST_OIDC_CLIENT_SECRET_FILE",
    kind: "string",
    description: "mode sigstore: file holding the client secret",
  },
  {
    key: "oidcScope",
    section: "sigstore",
    default: "",
    flag: "oidc-scope",
    env: "CERTUS_TRUST_OIDC_SCOPE",
    kind: "string",
    description: "mode sigstore: scope of the client-credentials grant",
  },
  {
    key: "oidcTokenFile",
    section: "sigstore",
    default: "",
    flag: "oidc-token-file",
    env: "CERTUS_TRUST_OIDC_TOKEN_FILE",
    kind: "string",
    description: "mode sigstore: file with the service's OIDC token (e.g. a projected service-account token)",
  },
  {
    key: "upstreamDeadlineMs",
    section: "sigstore",
    default: 30_000,
    flag: "upstream-deadline-ms",
    env: "CERTUS_TRUST_UPSTREAM_DEADLINE_MS",
    kind: "int",
    min: 100,
    max: 600_000,
    description: "mode sigstore: budget of one upstream call with retries, ms",
  },
  {
    key: "tufRefreshMs",
    section: "sigstore",
    default: 3_600_000,
    flag: "tuf-refresh-ms",
    env: "CERTUS_TRUST_TUF_REFRESH_MS",
    kind: "int",
    min: 1000,
    max: 7 * 24 * 3_600_000,
    description: "mode sigstore: time between trusted-root refreshes from TUF, ms",
  },
  {
    key: "stateStore",
    section: "state",
    default: "file",
    flag: "state-store",
    env: "CERTUS_TRUST_STATE_STORE",
    kind: "enum",
    values: ["file", "postgres"],
    description: "audit trail, permissions, API keys, entry index: files in the data directory, or PostgreSQL shared by replicas",
  },
  {
    key: "databaseUrl",
    section: "state",
    default: "",
    flag: "database-url",
    env: "CERTUS_TRUST_DATABASE_URL",
    kind: "string",
    description: "state store postgres: postgres://user:password@host:port/db[?sslmode=verify-full] (prefer the env variable)",
  },
  {
    key: "databaseCaFile",
    section: "state",
    default: "",
    flag: "database-ca-file",
    env: "CERTUS_TRUST_DATABASE_CA_FILE",
    kind: "string",
    description: "state store postgres: PEM CA of the database server's certificate",
  },
  {
    key: "databasePoolSize",
    section: "state",
    default: 10,
    flag: "database-pool-size",
    env: "CERTUS_TRUST_DATABASE_POOL_SIZE",
    kind: "int",
    min: 1,
    max: 1000,
    description: "state store postgres: connections per process at most",
  },
  {
    key: "insecureAllowAnonymous",
    section: "auth",
    default: false,
    flag: "insecure-allow-anonymous",
    env: "CERTUS_TRUST_INSECURE_ALLOW_ANONYMOUS",
    kind: "bool",
    description: "allow a non-loopback host without authentication (warns at every start)",
  },
];

/**
 * The defaults, from the option table (each row carries its own), so an option's key, flag,
 * environment variable, section, default and description are written in one place.
 */
export const DEFAULT_CONFIG: Readonly<TrustConfig> = Object.freeze(Object.fromEntries(OPTIONS.map((o) => [o.key, o.default])) as unknown as TrustConfig);

/** A configuration value that is not acceptable; names the key, where it came from and what it accepts. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type RawValue = string | number | boolean | string[] | undefined;

/** Where a value came from, for error messages. */
type Source = "flag" | "environment" | "config file" | "default";

function describe(spec: OptionSpec, source: Source): string {
  switch (source) {
    case "flag":
      return `--${spec.flag}`;
    case "environment":
      return spec.env;
    case "config file":
      return `${spec.key} (config file)`;
    default:
      return spec.key;
  }
}

function coerce(spec: OptionSpec, raw: RawValue, source: Source): TrustConfig[keyof TrustConfig] {
  const where = describe(spec, source);
  switch (spec.kind) {
    case "int": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n) || n < (spec.min ?? 0) || n > (spec.max ?? Number.MAX_SAFE_INTEGER)) {
        throw new ConfigError(`${where}: ${JSON.stringify(raw)} is not accepted; expected an integer from ${spec.min ?? 0} to ${spec.max}`);
      }
      return n;
    }
    case "list": {
      if (Array.isArray(raw))
        return raw
          .map(String)
          .map((s) => s.trim())
          .filter(Boolean);
      if (typeof raw === "string")
        return raw
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
      throw new ConfigError(`${where}: expected a comma-separated list of strings`);
    }
    case "bool": {
      if (raw === true || raw === "true" || raw === "1" || raw === "") return true;
      if (raw === false || raw === "false" || raw === "0") return false;
      throw new ConfigError(`${where}: ${JSON.stringify(raw)} is not accepted; expected true or false`);
    }
    case "enum": {
      if (typeof raw !== "string" || !spec.values?.includes(raw)) {
        throw new ConfigError(`${where}: ${JSON.stringify(raw)} is not accepted; expected one of ${spec.values?.join(", ")}`);
      }
      return raw;
    }
    default: {
      if (typeof raw !== "string" && typeof raw !== "number") throw new ConfigError(`${where}: expected a string`);
      return String(raw);
    }
  }
}

/** Reads and checks a YAML config file whose keys are the option keys above (camelCase). */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`--config: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  }
  if (text.length > 1024 * 1024) throw new ConfigError(`--config: ${path} is larger than 1 MiB`);
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError(`--config: ${path} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new ConfigError(`--config: ${path} must be a YAML mapping of option keys`);
  const known = new Set(OPTIONS.map((o) => o.key as string));
  for (const key of Object.keys(doc)) {
    if (!known.has(key)) throw new ConfigError(`--config: unknown key "${key}" in ${path}; known keys: ${[...known].join(", ")}`);
  }
  return doc as Record<string, unknown>;
}

/**
 * Resolves the configuration: flags > environment > config file > defaults, then checks the
 * options together. `flags` holds raw flag values keyed by flag name (e.g. `data-dir`).
 */
export function resolveConfig(flags: Record<string, string | undefined>, env: NodeJS.ProcessEnv = process.env): TrustConfig {
  const configPath = flags["config"] ?? env["CERTUS_TRUST_CONFIG"];
  const file = configPath ? readConfigFile(configPath) : {};
  const out: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const spec of OPTIONS) {
    const fromFlag = flags[spec.flag];
    const fromEnv = env[spec.env];
    const fromFile = file[spec.key] as RawValue;
    if (fromFlag !== undefined) out[spec.key] = coerce(spec, fromFlag, "flag");
    else if (fromEnv !== undefined && fromEnv !== "") out[spec.key] = coerce(spec, fromEnv, "environment");
    else if (fromFile !== undefined) out[spec.key] = coerce(spec, fromFile, "config file");
  }
  const config = out as unknown as TrustConfig;
  validateTogether(config);
  config.dataDir = resolve(config.dataDir);
  return config;
}

function validateTogether(c: TrustConfig): void {
  if (c.host.trim() === "" || (isIP(c.host) === 0 && !/^[A-Za-z0-9.-]+$/.test(c.host))) {
    throw new ConfigError(`host: ${JSON.stringify(c.host)} is not an IP address or host name`);
  }
  if ((c.tlsCert === undefined) !== (c.tlsKey === undefined)) {
    throw new ConfigError("tlsCert and tlsKey: set both to turn TLS on, or neither");
  }
  for (const m of c.auth) {
    if (!(AUTH_METHODS as readonly string[]).includes(m)) {
      throw new ConfigError(`auth: ${JSON.stringify(m)} is not an authentication method; expected a comma list of ${AUTH_METHODS.join(", ")}`);
    }
  }
  if (c.auth.includes("oidc") && c.authOidcIssuers.length === 0) {
    throw new ConfigError("authOidcIssuers: --auth oidc needs at least one issuer URL (--auth-oidc-issuers)");
  }
  for (const iss of c.authOidcIssuers) {
    if (!URL.canParse(iss) || !(new URL(iss).protocol === "https:" || (new URL(iss).protocol === "http:" && isLoopback(new URL(iss).hostname)))) {
      throw new ConfigError(`authOidcIssuers: ${JSON.stringify(iss)} is not an https URL (http is accepted on loopback only)`);
    }
  }
  if (c.auth.includes("mtls") && (c.tlsClientCa === undefined || c.tlsCert === undefined)) {
    throw new ConfigError("tlsClientCa: --auth mtls needs TLS (--tls-cert, --tls-key) and --tls-client-ca");
  }
  if (c.tlsClientCa !== undefined && c.tlsCert === undefined) {
    throw new ConfigError("tlsClientCa: client certificates need TLS; set --tls-cert and --tls-key too");
  }
  if (!isLoopback(c.host) && !c.insecureAllowAnonymous && c.auth.length === 0) {
    throw new ConfigError(
      `host: ${c.host} is not a loopback address and no authentication is configured; ` +
        "bind 127.0.0.1 (the default), or pass --insecure-allow-anonymous to serve anyone who can reach the port",
    );
  }
  validateSigstoreMode(c);
  validateStateStore(c);
  for (const o of c.corsOrigins) {
    if (o !== "*" && !/^https?:\/\/[^/]+$/.test(o)) {
      throw new ConfigError(`corsOrigins: ${JSON.stringify(o)} is not an origin; expected scheme://host[:port] or *`);
    }
  }
  try {
    parseIssuerEntries(c.oidcIssuers);
  } catch (err) {
    throw new ConfigError(`oidcIssuers: ${(err as Error).message}`);
  }
  if (c.transformCallbackUrl !== "" && !/^https?:\/\/[^\s]+$/.test(c.transformCallbackUrl)) {
    throw new ConfigError(`transformCallbackUrl: ${JSON.stringify(c.transformCallbackUrl)} is not an http(s) URL`);
  }
  if (c.transformCallbackUrl !== "" && c.transformCallbackSecretFile === "") {
    throw new ConfigError("transformCallbackSecretFile: required with transformCallbackUrl (the callback must be authenticated)");
  }
  if (c.publicUrl !== "" && !/^https?:\/\/[^\s]+$/.test(c.publicUrl)) {
    throw new ConfigError(`publicUrl: ${JSON.stringify(c.publicUrl)} is not an http(s) URL`);
  }
}

/** The state-store keys, checked together: the database options only with `postgres`, which needs a URL. */
function validateStateStore(c: TrustConfig): void {
  if (c.stateStore !== "postgres") {
    for (const k of ["databaseUrl", "databaseCaFile"] as const) {
      if (c[k] !== "") throw new ConfigError(`${k}: only used with stateStore "postgres" (the state store is "${c.stateStore}")`);
    }
    return;
  }
  if (c.databaseUrl === "")
    throw new ConfigError('databaseUrl: required with stateStore "postgres", e.g. postgres://certus@db.internal:5432/certus?sslmode=verify-full');
  // The whole URL is checked when the store opens; here only that it is one (never echoed: it may hold a password).
  if (!/^postgres(ql)?:\/\/[^\s]+$/.test(c.databaseUrl)) throw new ConfigError("databaseUrl: not a postgres:// or postgresql:// URL");
}

/** The external-mode keys, checked together: each upstream once, one trust root source, one credential. */
function validateSigstoreMode(c: TrustConfig): void {
  const external: (keyof TrustConfig)[] = [
    "fulcioUrl",
    "rekorUrl",
    "rekorReadUrl",
    "tsaUrl",
    "tufMirrorUrl",
    "tufRootFile",
    "trustedRootFile",
    "oidcTokenUrl",
    "oidcClientId",
    "oidcClientSecretFile",
    "oidcScope",
    "oidcTokenFile",
  ];
  if (c.mode !== "sigstore") {
    const set = external.filter((k) => c[k] !== "");
    if (set.length > 0) throw new ConfigError(`${set[0]}: only used with mode "sigstore" (the mode is "${c.mode}")`);
    return;
  }
  const url = (key: "fulcioUrl" | "rekorUrl" | "rekorReadUrl" | "tsaUrl" | "tufMirrorUrl" | "oidcTokenUrl", required: string | undefined) => {
    const v = c[key];
    if (v === "") {
      if (required !== undefined) throw new ConfigError(`${key}: required with mode "sigstore" (${required})`);
      return;
    }
    const u = URL.canParse(v) ? new URL(v) : undefined;
    if (!u || !(u.protocol === "https:" || (u.protocol === "http:" && isLoopback(u.hostname.replace(/^\[|\]$/g, ""))))) {
      throw new ConfigError(`${key}: ${JSON.stringify(v)} is not an https URL (http is accepted on loopback only)`);
    }
  };
  url("fulcioUrl", "the certificate authority, e.g. https://fulcio.sigstore.dev");
  url("rekorUrl", "the transparency log, e.g. https://rekor.sigstore.dev");
  url("rekorReadUrl", undefined);
  if (c.rekorReadUrl !== "" && c.rekorVersion !== 2)
    throw new ConfigError("rekorReadUrl: only used with rekorVersion 2 (Rekor v1 is read through its REST API at rekorUrl)");
  url("tsaUrl", c.rekorVersion === 2 ? "Rekor v2 entries have no signed entry timestamp, so a timestamp authority is required" : undefined);
  url("tufMirrorUrl", undefined);
  url("oidcTokenUrl", undefined);
  if ((c.tufMirrorUrl !== "") !== (c.tufRootFile !== ""))
    throw new ConfigError("tufMirrorUrl and tufRootFile: set both (the TUF repository and the root.json trusted on first use)");
  if ((c.tufMirrorUrl !== "") === (c.trustedRootFile !== "")) {
    throw new ConfigError(
      "trustedRootFile: give the trust root either through TUF (tufMirrorUrl + tufRootFile) or as a fixed file (trustedRootFile), exactly one of them",
    );
  }
  const clientCredentials = c.oidcTokenUrl !== "" || c.oidcClientId !== "" || c.oidcClientSecretFile !== "";
  if (clientCredentials && (c.oidcTokenUrl === "" || c.oidcClientId === "" || c.oidcClientSecretFile === "")) {
    throw new ConfigError("oidcTokenUrl, oidcClientId and oidcClientSecretFile: the client-credentials grant needs all three");
  }
  if (clientCredentials === (c.oidcTokenFile !== "")) {
    throw new ConfigError(
      "oidcTokenFile: the service's own OIDC credential is either a client-credentials grant (oidcTokenUrl, oidcClientId, oidcClientSecretFile) or a token file, exactly one of them",
    );
  }
  if (c.oidcScope !== "" && !clientCredentials) throw new ConfigError("oidcScope: only used with the client-credentials grant");
  if (c.issuer === "")
    throw new ConfigError("issuer: required with mode \"sigstore\": the OIDC issuer Fulcio must write into the service's certificates (the token's iss)");
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The `--help` table for `serve`, generated from `OPTIONS` so it never drifts from the code. */
export function optionsHelp(): string {
  const row = (o: OptionSpec) => {
    const def = DEFAULT_CONFIG[o.key];
    const shown = Array.isArray(def) ? (def.length ? def.join(",") : "(none)") : def === undefined || def === "" ? "(none)" : String(def);
    const values = o.values ? ` (${o.values.join("|")})` : "";
    return `  --${o.flag.padEnd(22)} ${o.description}${values}\n  ${"".padEnd(24)} default: ${shown}; env ${o.env}`;
  };
  const groups = SECTION_NAMES.map((name) => [`${name}:`, ...OPTIONS.filter((o) => o.section === name).map(row)].join("\n"));
  return ["  --config <file>          YAML file with any of the keys below (camelCase); env CERTUS_TRUST_CONFIG", ...groups].join("\n");
}
