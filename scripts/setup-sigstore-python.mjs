#!/usr/bin/env node
// Installs sigstore-python, pinned, into the project's test venv (.cache/venv, the one
// scripts/setup-tools.mjs makes for the Python SDK), for the differential verification test
// (test/interop/real-world-differential.test.ts). Idempotent: a stamp file records the pinned
// version; nothing is installed when it matches.
//
//   node scripts/setup-sigstore-python.mjs              install if needed; exit 1 if it cannot
//   node scripts/setup-sigstore-python.mjs --optional   as above, but exit 0 (saying why) on failure
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePythonVenv, pip, venv } from "./setup-tools.mjs";

/** The sigstore-python release the differential test records verdicts for. */
export const SIGSTORE_PYTHON = "sigstore==4.5.1";
/** Stamp beside the venv saying which release is installed. */
export const SIGSTORE_PYTHON_STAMP = join(venv, ".certus-sigstore-python");

/** Whether the pinned release is installed (by this script). */
export function sigstorePythonInstalled() {
  return existsSync(SIGSTORE_PYTHON_STAMP) && readFileSync(SIGSTORE_PYTHON_STAMP, "utf8") === SIGSTORE_PYTHON;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const optional = process.argv.includes("--optional");
  try {
    ensurePythonVenv();
    if (!sigstorePythonInstalled()) {
      pip([SIGSTORE_PYTHON], SIGSTORE_PYTHON);
      writeFileSync(SIGSTORE_PYTHON_STAMP, SIGSTORE_PYTHON);
    }
  } catch (err) {
    process.stderr.write(`[setup-sigstore-python] ${SIGSTORE_PYTHON} not installed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(optional ? 0 : 1);
  }
}
