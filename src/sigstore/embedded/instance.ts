/**
 * The identity of this embedded Sigstore instance that must never change once chosen: the log's
 * checkpoint origin, the base URL the trusted root names, and the OIDC issuer written into the
 * service's own certificates. Verifiers require the origin to be part of the trusted root's log
 * `baseUrl`, every published checkpoint carries the origin, and every caller's identity check
 * names the issuer (`expectedSigner.issuer`, cosign's `--certificate-oidc-issuer`), so all three
 * are fixed at first start and kept in `<dataDir>/instance.json`, not derived from the port the
 * server happens to listen on, which changes between runs.
 *
 * The issuer can be changed, explicitly (`--issuer` naming another value); the change is written
 * to `instance.json` and reported through `onIssuerChange` so the server logs it. Bundles signed
 * before keep naming the old issuer.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createFileExclusive, replaceFileAtomic } from "../../fs/atomic-file.js";
import { TrustError } from "../../errors.js";

export interface InstanceIdentity {
  /** Checkpoint origin and signed-note key name; no whitespace. */
  origin: string;
  /** Base URL of the CA, log and TSA in the trusted root; contains `origin`. */
  baseUrl: string;
  /** OIDC issuer of the service's own certificates. */
  issuer: string;
}

/** Default base URL when no public URL is configured at first start. */
export const DEFAULT_BASE_URL = "https://certus-trust.local";

/** Options of {@link loadInstanceIdentity}. */
export interface InstanceOptions {
  /** The configured public URL; fixes the base URL on first start (default {@link DEFAULT_BASE_URL}). */
  publicUrl: string;
  /**
   * The issuer to record on first start (or in a data directory from before the issuer was
   * recorded): the public URL, or else the URL the server is reachable at now.
   */
  defaultIssuer: string;
  /** An explicitly configured issuer (`--issuer`); replaces the recorded one when it differs. */
  issuer?: string;
  /** Told when the recorded issuer is set (`from` undefined) or changed. */
  onIssuerChange?: (change: { from: string | undefined; to: string }) => void;
}

/** Loads the instance identity, or fixes it on first start. */
export async function loadInstanceIdentity(dataDir: string, options: InstanceOptions): Promise<InstanceIdentity> {
  const file = join(dataDir, "instance.json");
  const base = (options.publicUrl || DEFAULT_BASE_URL).replace(/\/+$/, "");
  const issuer = options.issuer || options.defaultIssuer;
  const fresh: InstanceIdentity = { origin: new URL(base).host, baseUrl: base, issuer };
  if (await createFileExclusive(file, serialize(fresh))) {
    options.onIssuerChange?.({ from: undefined, to: issuer });
    return fresh;
  }
  let stored: unknown;
  try {
    stored = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new TrustError("FAILED_PRECONDITION", `${file} is not readable JSON; restore it from backup`, { cause: err });
  }
  const s = stored as Partial<InstanceIdentity>;
  if (typeof s.origin !== "string" || typeof s.baseUrl !== "string" || !s.baseUrl.includes(s.origin) || /\s/.test(s.origin)) {
    throw new TrustError("FAILED_PRECONDITION", `${file} is damaged (origin must be a substring of baseUrl); restore it from backup`);
  }
  if (s.issuer !== undefined && (typeof s.issuer !== "string" || s.issuer.length === 0)) {
    throw new TrustError("FAILED_PRECONDITION", `${file} is damaged (issuer must be a non-empty string); restore it from backup`);
  }
  const identity: InstanceIdentity = { origin: s.origin, baseUrl: s.baseUrl, issuer: s.issuer ?? issuer };
  const change = s.issuer === undefined ? issuer : options.issuer && options.issuer !== s.issuer ? options.issuer : undefined;
  if (change !== undefined) {
    identity.issuer = change;
    await replaceFileAtomic(file, serialize(identity));
    options.onIssuerChange?.({ from: s.issuer, to: change });
  }
  return identity;
}

function serialize(identity: InstanceIdentity): string {
  return `${JSON.stringify(identity, null, 2)}\n`;
}
