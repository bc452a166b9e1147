/**
 * Where Transform stores a permitted scan: the configured raw bucket and registry, with a prefix
 * and repository derived from the repository URL and commit (characters outside
 * `[A-Za-z0-9._-]` become `-`, so a URL never adds path segments or traversal).
 */
export interface StorageTargets {
  /** The raw S3 bucket (`--upload-s3-bucket`). */
  s3Bucket: string;
  /** The OCI registry host (`--upload-oci-registry`). */
  ociRegistry: string;
}

function slug(text: string): string {
  return (
    text
      .replace(/^[a-z][a-z0-9+.-]*:\/\//i, "")
      .replace(/\.git$/, "")
      .replace(/[^A-Za-z0-9._-]+/g, "-")
      .replace(/^[-.]+|[-.]+$/g, "")
      .slice(0, 200) || "unknown"
  );
}

/** The storage config of a permitted scan (snake_case proto3 JSON fields, as the contract names them). */
export function storageConfigFor(targets: StorageTargets, scanId: string, gitUrl: string, commit: string, toS3: boolean, toOci: boolean) {
  const repo = slug(gitUrl);
  return {
    rawS3Bucket: targets.s3Bucket,
    rawS3Prefix: `${repo}/${slug(commit).slice(0, 12)}/${slug(scanId)}`,
    ociRegistry: targets.ociRegistry,
    ociRepository: `scans/${repo}`,
    uploadToS3: toS3,
    uploadToOci: toOci,
  };
}
