/**
 * Loads the Sigstore conformance cases from `test/fixtures/conformance` (data from Sigstore's
 * public conformance suite, kept in the repository; see its README.md).
 *
 * When the folder is missing the suites that need it skip with a printed reason locally, and fail
 * in CI (`CI=true`), where a missing fixture is a broken checkout.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { skipReason } from "../helpers/requirement.js";

/** The repository root: the nearest folder above this file with a package.json (works from dist/ too). */
function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
    dir = parent;
  }
  return dir;
}

export const REPO_ROOT = findRepoRoot();
export const CONFORMANCE_DIR = path.join(REPO_ROOT, "test", "fixtures", "conformance");
export const CASES_FILE = path.join(CONFORMANCE_DIR, "cases.json");

/** One case as cases.json describes it. */
export interface ConformanceCase {
  readonly name: string;
  readonly expect: "pass" | "fail";
  /** The bundle as parsed JSON, or the raw text when it is not JSON (a malformed-bundle case). */
  readonly bundle: unknown;
  readonly bundleText: string;
  readonly artifact: Buffer;
  readonly artifactDigest: string;
  readonly trustedRoot: unknown;
  readonly identity?: string;
  readonly issuer?: string;
  readonly key?: string;
}

/**
 * Why the cases cannot be loaded (printed; the caller's suite skips), or undefined when they can.
 * Throws in CI, failing the calling test file, when the fixtures are missing.
 */
export function whyCasesUnavailable(): string | undefined {
  return skipReason(
    "conformance fixtures",
    existsSync(CASES_FILE) ? undefined : `conformance data not found at ${CASES_FILE} (test/fixtures/conformance is part of the repository)`,
  );
}

interface RawCase {
  name: string;
  expect: "pass" | "fail";
  bundle: string;
  artifact: string;
  trustedRoot: string;
  identity?: string;
  issuer?: string;
  key?: string;
}

/** Reads every case with its files. */
export function loadCases(): ConformanceCase[] {
  const { cases } = JSON.parse(readFileSync(CASES_FILE, "utf8")) as { cases: RawCase[] };
  const read = (p: string) => readFileSync(path.join(CONFORMANCE_DIR, p));
  return cases.map((c) => {
    const bundleText = read(c.bundle).toString("utf8");
    let bundle: unknown;
    try {
      bundle = JSON.parse(bundleText);
    } catch {
      bundle = bundleText;
    }
    const artifact = read(c.artifact);
    const loaded: ConformanceCase = {
      name: c.name,
      expect: c.expect,
      bundle,
      bundleText,
      artifact,
      artifactDigest: `sha256:${createHash("sha256").update(artifact).digest("hex")}`,
      trustedRoot: JSON.parse(read(c.trustedRoot).toString("utf8")),
      ...(c.identity !== undefined ? { identity: c.identity } : {}),
      ...(c.issuer !== undefined ? { issuer: c.issuer } : {}),
      ...(c.key !== undefined ? { key: read(c.key).toString("utf8") } : {}),
    };
    return loaded;
  });
}
