/**
 * `oci://<registry>/<repository>@sha256:<hex>` references, as the CLI's OCI commands take them.
 * Images are named by digest only: a tag can move between signing and verifying, a digest cannot.
 */
import { UsageError } from "../client.js";

/** A parsed image reference. */
export interface ImageReference {
  /** `host[:port]` */
  registry: string;
  /** The repository path, e.g. `team/app`. */
  repository: string;
  /** `sha256:<64 hex>` */
  digest: string;
  /** The base URL of the registry's API: http only for loopback hosts (as go-containerregistry). */
  baseUrl: string;
}

const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/;

/** Parses `oci://registry/repo@sha256:…`; a tag, or anything else, is a usage error. */
export function parseImageReference(text: string): ImageReference {
  if (!text.startsWith("oci://")) throw new UsageError(`"${text}" is not an image reference; expected oci://<registry>/<repository>@sha256:<hex>`);
  const rest = text.slice("oci://".length);
  const at = rest.lastIndexOf("@");
  if (at < 0) throw new UsageError(`${text}: name the image by digest (…@sha256:<hex>); tags can move`);
  const name = rest.slice(0, at);
  const digest = rest.slice(at + 1);
  if (!DIGEST.test(digest)) throw new UsageError(`${text}: "${digest}" is not sha256:<64 lowercase hex>`);
  const slash = name.indexOf("/");
  if (slash <= 0) throw new UsageError(`${text}: expected <registry>/<repository>`);
  const registry = name.slice(0, slash);
  const repository = name.slice(slash + 1);
  if (!/^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9a-fA-F:]+\](?::\d{1,5})?$/.test(registry))
    throw new UsageError(`${text}: "${registry}" is not a registry host[:port]`);
  if (!REPOSITORY.test(repository)) throw new UsageError(`${text}: "${repository}" is not a repository name (lowercase letters, digits, separators)`);
  const scheme = LOOPBACK.test(registry) ? "http" : "https";
  return { registry, repository, digest, baseUrl: `${scheme}://${registry}` };
}
