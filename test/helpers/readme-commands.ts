/**
 * The README's `buf curl` examples (section "Every RPC with `buf curl`"), read as commands, and a
 * shell runner for them: test/integration/buf-curl.test.ts runs them against an embedded-mode
 * server, test/interop/real-sigstore.test.ts against a sigstore-mode one.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./server.js";

/** The README section whose `sh` blocks are run. */
export const SECTION = "### Every RPC with `buf curl`";
/** The longest a README command may take, in milliseconds. */
export const COMMAND_TIMEOUT_MS = 30_000;
/** The address the README uses, replaced by the test server's. */
export const README_URL = "http://127.0.0.1:8888";
/**
 * RPCs whose README examples are still to be written: the Certus workflow RPCs (issue 6 others'
 * part) land with their own examples. Remove a name here when its example is in the README.
 */
export const AWAITING_EXAMPLES = new Set(["VerifyAndPermitUpload", "VerifyChain", "LegacySign", "GetStats", "GetProvenance", "GetReadiness"]);

export interface Command {
  text: string;
  protocol: "grpc" | "connect" | undefined;
  method: string | undefined;
}

/** The commands of the section's `sh` blocks; a command continues over `\` and open quotes. */
export function readmeCommands(readme: string): Command[] {
  const start = readme.indexOf(SECTION);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`);
  const end = readme.indexOf("\n## ", start);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const commands: Command[] = [];
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    let current = "";
    for (const line of block[1]!.split("\n")) {
      if (current === "" && (line.trim() === "" || line.trim().startsWith("#"))) continue;
      current += (current === "" ? "" : "\n") + line;
      const openQuote = (current.match(/'/g)?.length ?? 0) % 2 === 1;
      if (line.endsWith("\\") || openQuote) continue;
      const protocol = /--protocol (grpc|connect)\b/.exec(current)?.[1] as Command["protocol"];
      const method = /\/certus\.trust\.v1\.TrustService\/(\w+)/.exec(current)?.[1];
      commands.push({ text: current, protocol, method });
      current = "";
    }
    if (current !== "") throw new Error(`unterminated command in README: ${current}`);
  }
  return commands;
}

/** The command with the README's address replaced by `url` and `npx buf` by the installed binary. */
export function forServer(command: Command, url: string): string {
  return command.text.replaceAll(README_URL, url).replaceAll("npx buf ", `${join(REPO_ROOT, "node_modules/.bin/buf")} `);
}

/** Runs a shell command without blocking the event loop (the server answers in this process). */
export function runShell(script: string, dir: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-eo", "pipefail", "-c", script], {
      cwd: dir,
      env: { ...process.env, PATH: `${join(REPO_ROOT, "node_modules/.bin")}:${process.env.PATH}`, BUF_CACHE_DIR: join(dir, ".buf-cache") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), COMMAND_TIMEOUT_MS);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
