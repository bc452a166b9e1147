/**
 * Runs the built `certus-trust` command (bin/certus-trust.js → dist/) as a user would, without
 * blocking the event loop (in-process servers keep serving while it runs).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./server.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, "bin/certus-trust.js"), ...args],
      { env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * What a rejected promisified execFile carries: the exit code and the output Node attaches to the
 * error. Anything else (a spawn failure, a kill by signal) is rethrown, so the test fails on it.
 */
export function execFailure(e: unknown): CliResult {
  if (typeof e === "object" && e !== null && "code" in e && typeof e.code === "number") {
    const stdout = "stdout" in e && typeof e.stdout === "string" ? e.stdout : "";
    const stderr = "stderr" in e && typeof e.stderr === "string" ? e.stderr : "";
    return { code: e.code, stdout, stderr };
  }
  throw e;
}
