/**
 * The signing config as this running service serves it (`/api/v1/signing-config`, and inside the
 * client trust config of `GetKeys`): the stack's signing config with its service URLs moved from
 * the instance's stable base URL (a name that need not resolve when no public URL is configured)
 * to the URL clients reach the service at, and the configured OIDC issuers as its OIDC services.
 */
import type { SigningConfigJson } from "../embedded/tuf/signing-config.js";

/** The signing config pointing at `serviceUrl`, with `oidcIssuers` as its OIDC services. */
export function servedSigningConfig(config: SigningConfigJson, stackBaseUrl: string, serviceUrl: string, oidcIssuers: readonly string[]): SigningConfigJson {
  const base = serviceUrl.replace(/\/+$/, "");
  const stackBase = stackBaseUrl.replace(/\/+$/, "");
  const rebase = <S extends { url: string }>(s: S): S => ({ ...s, url: s.url.startsWith(stackBase) ? `${base}${s.url.slice(stackBase.length)}` : s.url });
  // The OIDC services take the CA's API version, validity and operator; the stack always has a CA.
  const ca = config.caUrls[0];
  if (ca === undefined) throw new Error("the signing config has no CA URL");
  return {
    ...config,
    caUrls: config.caUrls.map(rebase),
    rekorTlogUrls: config.rekorTlogUrls.map(rebase),
    tsaUrls: config.tsaUrls.map(rebase),
    oidcUrls: oidcIssuers.map((url) => ({ ...ca, url })),
  };
}
