/**
 * The few calls of the OCI distribution API that attaching and finding Sigstore bundles need:
 * read a manifest, upload a blob, put a manifest, list referrers (OCI 1.1, with the tag-schema
 * fallback for registries without the referrers API). Anonymous access only; every response body
 * read is size-limited, and the registry's answers are hostile bytes checked before use.
 */
import { createHash } from "node:crypto";
import type { ImageReference } from "./reference.js";

/** Largest manifest or index read, bytes (the distribution spec suggests 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Largest blob read (a Sigstore bundle), bytes. */
export const MAX_BLOB_BYTES = 4 * 1024 * 1024;
/** Time allowed for one registry call, ms. */
export const REGISTRY_TIMEOUT_MS = 30_000;

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const MANIFEST_ACCEPT = [
  OCI_MANIFEST,
  OCI_INDEX,
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

/** A registry call that failed, with the step and the HTTP status. */
export class RegistryError extends Error {
  constructor(
    readonly step: string,
    readonly status: number | undefined,
    message: string,
  ) {
    super(`registry: ${step}: ${message}`);
    this.name = "RegistryError";
  }
}

/** A content descriptor (OCI image spec). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

async function call(step: string, url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: "follow", signal: AbortSignal.timeout(REGISTRY_TIMEOUT_MS) });
  } catch (err) {
    throw new RegistryError(step, undefined, `cannot reach ${new URL(url).host}: ${(err as Error).message}`);
  }
}

async function readLimited(step: string, res: Response, limit: number): Promise<Buffer> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > limit) throw new RegistryError(step, res.status, `response of ${declared} bytes; at most ${limit}`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body ?? []) {
    total += (chunk as Uint8Array).length;
    if (total > limit) throw new RegistryError(step, res.status, `response larger than ${limit} bytes`);
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}

function parseJson(step: string, bytes: Buffer): Record<string, unknown> {
  try {
    const v = JSON.parse(bytes.toString("utf8")) as unknown;
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new RegistryError(step, undefined, "the registry sent something that is not a JSON object");
}

/** A client for one repository of one registry. */
export class RegistryClient {
  private readonly repoUrl: string;

  constructor(private readonly ref: Pick<ImageReference, "baseUrl" | "repository">) {
    this.repoUrl = `${ref.baseUrl}/v2/${ref.repository}`;
  }

  /** The manifest stored under `digest` (its bytes are checked against the digest) and its media type. */
  async manifest(digest: string): Promise<{ bytes: Buffer; mediaType: string; json: Record<string, unknown> }> {
    const step = `GET manifest ${digest}`;
    const res = await call(step, `${this.repoUrl}/manifests/${digest}`, { headers: { accept: MANIFEST_ACCEPT } });
    if (res.status !== 200)
      throw new RegistryError(step, res.status, res.status === 404 ? `no manifest ${digest} in ${this.ref.repository}` : `HTTP ${res.status}`);
    const bytes = await readLimited(step, res, MAX_MANIFEST_BYTES);
    if (sha256Digest(bytes) !== digest) throw new RegistryError(step, res.status, `the registry's manifest does not hash to ${digest}`);
    const json = parseJson(step, bytes);
    const mediaType =
      typeof json["mediaType"] === "string" ? json["mediaType"] : ((res.headers.get("content-type") ?? OCI_MANIFEST).split(";")[0] ?? "").trim();
    return { bytes, mediaType, json };
  }

  /** A blob's bytes, checked against its digest. */
  async blob(digest: string, limit = MAX_BLOB_BYTES): Promise<Buffer> {
    const step = `GET blob ${digest}`;
    const res = await call(step, `${this.repoUrl}/blobs/${digest}`);
    if (res.status !== 200) throw new RegistryError(step, res.status, `HTTP ${res.status}`);
    const bytes = await readLimited(step, res, limit);
    if (sha256Digest(bytes) !== digest) throw new RegistryError(step, res.status, `the blob does not hash to ${digest}`);
    return bytes;
  }

  /** Uploads a blob (POST then PUT, the monolithic upload every registry supports) unless present. */
  async putBlob(bytes: Uint8Array): Promise<string> {
    const digest = sha256Digest(bytes);
    const head = await call(`HEAD blob ${digest}`, `${this.repoUrl}/blobs/${digest}`, { method: "HEAD" });
    if (head.status === 200) return digest;
    const start = await call("start blob upload", `${this.repoUrl}/blobs/uploads/`, { method: "POST" });
    await start.body?.cancel();
    const location = start.headers.get("location");
    if (start.status !== 202 || !location) throw new RegistryError("start blob upload", start.status, `HTTP ${start.status}`);
    const url = new URL(location, this.ref.baseUrl);
    url.searchParams.set("digest", digest);
    const put = await call("finish blob upload", url.toString(), { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: bytes });
    await put.body?.cancel();
    if (put.status !== 201) throw new RegistryError("finish blob upload", put.status, `HTTP ${put.status}`);
    return digest;
  }

  /**
   * Stores a manifest under its digest, or under `tag`. `subjectHandled` is true when the registry
   * answered with `OCI-Subject` (it indexes referrers itself); otherwise the client keeps the
   * referrers tag index (distribution spec, "referrers tag schema").
   */
  async putManifest(bytes: Uint8Array, mediaType: string, tag?: string): Promise<{ digest: string; subjectHandled: boolean }> {
    const digest = sha256Digest(bytes);
    const step = `PUT manifest ${tag ?? digest}`;
    const res = await call(step, `${this.repoUrl}/manifests/${tag ?? digest}`, { method: "PUT", headers: { "content-type": mediaType }, body: bytes });
    await res.body?.cancel();
    if (res.status !== 201) throw new RegistryError(step, res.status, `HTTP ${res.status}`);
    return { digest, subjectHandled: res.headers.has("oci-subject") };
  }

  /**
   * Adds `referrer` to the referrers tag index of `subjectDigest` (`sha256-<hex>`), for registries
   * without the referrers API. Read-modify-write: two clients attaching to one image at the same
   * moment can lose an entry, which the spec accepts for this fallback.
   */
  async addToReferrersTag(subjectDigest: string, referrer: Descriptor): Promise<void> {
    const tag = subjectDigest.replace(":", "-");
    const step = `GET referrers tag ${tag}`;
    const res = await call(step, `${this.repoUrl}/manifests/${tag}`, { headers: { accept: OCI_INDEX } });
    let manifests: unknown[] = [];
    if (res.status === 200) {
      const index = parseJson(step, await readLimited(step, res, MAX_MANIFEST_BYTES));
      if (Array.isArray(index["manifests"])) manifests = index["manifests"] as unknown[];
    } else {
      await res.body?.cancel();
      if (res.status !== 404) throw new RegistryError(step, res.status, `HTTP ${res.status}`);
    }
    const kept = manifests.filter((d) => !(isDescriptor(d) && d.digest === referrer.digest));
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...kept, referrer] };
    await this.putManifest(Buffer.from(JSON.stringify(index)), OCI_INDEX, tag);
  }

  /**
   * The referrers of `digest` with `artifactType` (filtered here too: a registry may ignore the
   * filter). Falls back to the referrers tag schema (`sha256-<hex>`) when the API is missing.
   */
  async referrers(digest: string, artifactType: string): Promise<Descriptor[]> {
    const step = `GET referrers ${digest}`;
    const res = await call(step, `${this.repoUrl}/referrers/${digest}?artifactType=${encodeURIComponent(artifactType)}`, { headers: { accept: OCI_INDEX } });
    let index: Record<string, unknown>;
    // A registry with the API answers with an image index; one without answers 404 (some with a
    // non-JSON "page not found"), and the tag schema is read instead.
    const isIndex = (res.headers.get("content-type") ?? "").startsWith(OCI_INDEX);
    if (res.status === 200 && isIndex) index = parseJson(step, await readLimited(step, res, MAX_MANIFEST_BYTES));
    else if (res.status === 404 || (res.status === 200 && !isIndex)) {
      await res.body?.cancel();
      const tag = await call(`${step} (tag schema)`, `${this.repoUrl}/manifests/${digest.replace(":", "-")}`, { headers: { accept: OCI_INDEX } });
      if (tag.status === 404) return [];
      if (tag.status !== 200) throw new RegistryError(`${step} (tag schema)`, tag.status, `HTTP ${tag.status}`);
      index = parseJson(step, await readLimited(step, tag, MAX_MANIFEST_BYTES));
    } else throw new RegistryError(step, res.status, `HTTP ${res.status}`);
    const manifests = Array.isArray(index["manifests"]) ? (index["manifests"] as unknown[]) : [];
    return manifests.filter((d): d is Descriptor => isDescriptor(d) && d.artifactType === artifactType);
  }
}

function isDescriptor(d: unknown): d is Descriptor {
  if (typeof d !== "object" || d === null) return false;
  const o = d as Record<string, unknown>;
  return typeof o["mediaType"] === "string" && typeof o["digest"] === "string" && /^sha256:[0-9a-f]{64}$/.test(o["digest"]) && typeof o["size"] === "number";
}
