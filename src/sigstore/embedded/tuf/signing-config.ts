/**
 * The Sigstore signing config (`signing_config.v0.2.json`, media type
 * `application/vnd.dev.sigstore.signingconfig.v0.2+json`) that points signing clients at this
 * service: the CA (Fulcio-compatible, at the instance base URL), the log (Rekor v1 API; the URL
 * is the log's base URL, clients append `/api/v1/log/entries`) and the TSA (the full RFC 3161
 * URL, `/api/v1/timestamp`). Published as a TUF target beside `trusted_root.json`.
 *
 * Like the trusted root it is a pure function of persisted inputs, so it is byte-identical across
 * restarts and only changes (a new targets version) when a rotation changes a validity window.
 */

/** Media type of the signing config this module builds. */
export const SIGNING_CONFIG_MEDIA_TYPE = "application/vnd.dev.sigstore.signingconfig.v0.2+json";

/** Path of the RFC 3161 endpoint under the base URL. */
export const TSA_PATH = "/api/v1/timestamp";

/** One service entry (Sigstore `Service` in proto3 JSON). */
export interface ServiceJson {
  url: string;
  majorApiVersion: number;
  validFor: { start: string };
  operator: string;
}

/** Sigstore's SigningConfig message in proto3 JSON. */
export interface SigningConfigJson {
  mediaType: typeof SIGNING_CONFIG_MEDIA_TYPE;
  caUrls: ServiceJson[];
  oidcUrls: ServiceJson[];
  rekorTlogUrls: ServiceJson[];
  rekorTlogConfig: { selector: "ANY" };
  tsaUrls: ServiceJson[];
  tsaConfig: { selector: "ANY" };
}

/** Inputs of {@link buildSigningConfig}. */
export interface SigningConfigInput {
  /** The instance base URL (the trusted root's CA and log URL); no trailing slash. */
  baseUrl: string;
  /** Who operates the services (clients pick at most one service per operator). */
  operator: string;
  /** Start of the current CA's validity. */
  caValidFrom: Date;
  /** Start of the log key's validity. */
  tlogValidFrom: Date;
  /** Start of the current TSA's validity. */
  tsaValidFrom: Date;
}

/** Builds the signing config. Deterministic: equal inputs give identically serialized output. */
export function buildSigningConfig(input: SigningConfigInput): SigningConfigJson {
  const service = (url: string, start: Date): ServiceJson => ({
    url,
    majorApiVersion: 1,
    validFor: { start: start.toISOString() },
    operator: input.operator,
  });
  return {
    mediaType: SIGNING_CONFIG_MEDIA_TYPE,
    caUrls: [service(input.baseUrl, input.caValidFrom)],
    oidcUrls: [],
    rekorTlogUrls: [service(input.baseUrl, input.tlogValidFrom)],
    rekorTlogConfig: { selector: "ANY" },
    tsaUrls: [service(`${input.baseUrl}${TSA_PATH}`, input.tsaValidFrom)],
    tsaConfig: { selector: "ANY" },
  };
}

/** Serializes a signing config the one way this service publishes it (2-space JSON, final newline). */
export function serializeSigningConfig(config: SigningConfigJson): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}
