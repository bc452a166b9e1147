/**
 * The service's Sigstore trusted root, fetched once per client and kept: what stock Sigstore
 * clients (sigstore-js, cosign) need to verify the service's bundles offline.
 */
import type { CallOptions } from "@connectrpc/connect";
import type { TrustedRoot } from "./gen/sigstore_trustroot_pb.js";
import { Code } from "@connectrpc/connect";
import type { TrustClient } from "./client.js";
import { TrustError } from "./errors.js";

/** How long a fetched trusted root is reused, in milliseconds (1 hour: keys rotate rarely, and a
 * rotated-out key stays in the root while its signatures may be verified). */
export const DEFAULT_TRUSTED_ROOT_MAX_AGE_MS = 60 * 60 * 1000;

/** Options of `getTrustedRoot`, beside Connect's per-call options. */
export interface TrustedRootOptions extends CallOptions {
  /** Reuse a root fetched less than this many milliseconds ago (default 1 hour). */
  maxAgeMs?: number;
  /** Fetch again now, whatever the age of the cached root. */
  refresh?: boolean;
}

interface Cached {
  fetchedAt: number;
  root: Promise<TrustedRoot>;
}

const cache = new WeakMap<TrustClient, Cached>();

/**
 * The service's trusted root, from `GetKeys`, cached per client: concurrent callers share one
 * request, and a failed fetch is not cached.
 */
export function getTrustedRoot(client: TrustClient, options: TrustedRootOptions = {}): Promise<TrustedRoot> {
  const { maxAgeMs = DEFAULT_TRUSTED_ROOT_MAX_AGE_MS, refresh = false, ...call } = options;
  const now = Date.now();
  const hit = cache.get(client);
  if (hit && !refresh && now - hit.fetchedAt < maxAgeMs) return hit.root;
  const root = client.getKeys({}, call).then((keys) => {
    if (keys.trustedRoot === undefined) throw new TrustError({ code: Code.Internal, message: "the service returned no trusted root" });
    return keys.trustedRoot;
  });
  const entry: Cached = { fetchedAt: now, root };
  cache.set(client, entry);
  root.catch(() => {
    if (cache.get(client) === entry) cache.delete(client);
  });
  return root;
}
