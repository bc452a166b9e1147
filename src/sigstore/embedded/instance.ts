/**
 * The identity of this embedded Sigstore instance that must never change once chosen: the log's
 * checkpoint origin and the base URL the trusted root names. Verifiers require the origin to be
 * part of the trusted root's log `baseUrl`, and every published checkpoint carries the origin, so
 * both are fixed at first start and kept in `<dataDir>/instance.json` (not derived from the port
 * the server happens to listen on, which changes between runs).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createFileExclusive } from "../../fs/atomic-file.js";
import { TrustError } from "../../errors.js";

export interface InstanceIdentity {
  /** Checkpoint origin and signed-note key name; no whitespace. */
  origin: string;
  /** Base URL of the CA, log and TSA in the trusted root; contains `origin`. */
  baseUrl: string;
}

/** Default base URL when no public URL is configured at first start. */
export const DEFAULT_BASE_URL = "https://certus-trust.local";

/** Loads the instance identity, or fixes it from `publicUrl` on first start. */
export async function loadInstanceIdentity(dataDir: string, publicUrl: string): Promise<InstanceIdentity> {
  const file = join(dataDir, "instance.json");
  const base = (publicUrl || DEFAULT_BASE_URL).replace(/\/+$/, "");
  const fresh: InstanceIdentity = { origin: new URL(base).host, baseUrl: base };
  await createFileExclusive(file, Buffer.from(JSON.stringify(fresh, null, 2) + "\n"));
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
  return { origin: s.origin, baseUrl: s.baseUrl };
}
