/**
 * Real probes of each component the service depends on, for `GET /v1/ready`:
 *
 * - `fulcio`: the CA (embedded, or Fulcio) issues (or still holds a valid) certificate for the service identity;
 * - `rekor`: the transparency log reads its latest signed checkpoint and its newest entry;
 * - `tuf`: not built yet, reported `not_configured` (the trusted root is served by GetKeys);
 * - `keycloak`: each configured OIDC issuer answers its discovery document within
 *   {@link PROBE_TIMEOUT_MS}; `not_configured` when there is none.
 *
 * Components that are not configured are listed but do not make the service unready.
 */
import type { ServiceSigner } from "../sigstore/signing-backend.js";
import type { TransparencyLog } from "../sigstore/transparency-log.js";

/** Time each probe may take, ms. */
export const PROBE_TIMEOUT_MS = 2000;

export interface ComponentProbe {
  name: "fulcio" | "rekor" | "tuf" | "keycloak";
  status: "ok" | "unavailable" | "not_configured";
  detail: string;
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function probeCa(signer: ServiceSigner): Promise<ComponentProbe> {
  try {
    const pem = await withTimeout(signer.certificatePem(), "the CA");
    const { X509Certificate } = await import("node:crypto");
    const cert = new X509Certificate(pem);
    if (Date.parse(cert.validTo) <= Date.now())
      return { name: "fulcio", status: "unavailable", detail: "the service certificate has expired and was not renewed" };
    return { name: "fulcio", status: "ok", detail: `CA: service certificate for ${signer.identity} valid until ${new Date(cert.validTo).toISOString()}` };
  } catch (err) {
    return { name: "fulcio", status: "unavailable", detail: `CA: ${(err as Error).message}` };
  }
}

async function probeLog(log: TransparencyLog): Promise<ComponentProbe> {
  try {
    const checkpoint = await log.latestCheckpoint();
    const size = checkpoint.treeSize;
    if (size > 0) await log.entryByIndex(size - 1);
    return { name: "rekor", status: "ok", detail: `log: ${size} entries, checkpoint at tree size ${checkpoint.treeSize}` };
  } catch (err) {
    return { name: "rekor", status: "unavailable", detail: `log: ${(err as Error).message}` };
  }
}

async function probeIssuers(issuers: readonly string[]): Promise<ComponentProbe> {
  if (issuers.length === 0) return { name: "keycloak", status: "not_configured", detail: "no OIDC issuer is configured (--auth-oidc-issuers, --oidc-issuers)" };
  const failures: string[] = [];
  await Promise.all(
    issuers.map(async (issuer) => {
      const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
        await res.arrayBuffer();
        if (!res.ok) failures.push(`${issuer}: discovery answered HTTP ${res.status}`);
      } catch (err) {
        failures.push(`${issuer}: ${(err as Error).name === "TimeoutError" ? "timed out" : "unreachable"}`);
      }
    }),
  );
  return failures.length === 0
    ? { name: "keycloak", status: "ok", detail: `${issuers.length} OIDC issuer(s) answered discovery` }
    : { name: "keycloak", status: "unavailable", detail: failures.join("; ") };
}

/** Runs every probe. */
export async function probeComponents(signer: ServiceSigner, log: TransparencyLog, oidcIssuers: readonly string[]): Promise<ComponentProbe[]> {
  const [ca, issuers] = await Promise.all([probeCa(signer), probeIssuers(oidcIssuers)]);
  return [
    ca,
    await probeLog(log),
    { name: "tuf", status: "not_configured", detail: "the TUF repository is not built yet; the trusted root is served by GetKeys (GET /v1/keys)" },
    issuers,
  ];
}
