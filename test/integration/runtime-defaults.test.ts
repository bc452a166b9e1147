/**
 * `certus-trust serve` started as a user starts it runs with its runtime settings
 * (src/cli/runtime-defaults.ts): the process that answers on the port, the very process the user
 * started (same id, no wrapper left behind), has the V8 flag on its command line and the arena
 * count in its environment; an operator's own arena count is kept; `CERTUS_TRUST_RUNTIME_DEFAULTS=off`
 * starts it as node alone would. Read from /proc, so Linux only.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { SERVE_V8_FLAGS } from "../../src/cli/runtime-defaults.js";
import { spawnCliServer, tempDir, type CliServer } from "../helpers/server.js";

const started: CliServer[] = [];

async function serveWith(env: NodeJS.ProcessEnv): Promise<{ cmdline: string[]; environ: string[] }> {
  // The test runner's own settings must not count as the operator's.
  const cli = await spawnCliServer(["--data-dir", tempDir()], { NODE_OPTIONS: "", MALLOC_ARENA_MAX: undefined, GLIBC_TUNABLES: undefined, ...env });
  started.push(cli);
  expect((await fetch(`${cli.url}/readyz`)).status).toBe(200);
  const pid = cli.child.pid!;
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  return { cmdline, environ };
}

afterEach(async () => {
  for (const cli of started.splice(0)) {
    cli.child.kill("SIGTERM");
    await cli.exited;
  }
});

describe.skipIf(process.platform !== "linux")("serve's runtime settings (Linux: read from /proc)", () => {
  it("runs the started process itself with the V8 flags and two malloc arenas", async () => {
    const { cmdline, environ } = await serveWith({});
    for (const flag of SERVE_V8_FLAGS) expect(cmdline).toContain(flag);
    expect(cmdline).toContain("serve");
    expect(environ).toContain("MALLOC_ARENA_MAX=2");
  });

  it("keeps the operator's arena count", async () => {
    const { cmdline, environ } = await serveWith({ MALLOC_ARENA_MAX: "4" });
    expect(environ).toContain("MALLOC_ARENA_MAX=4");
    for (const flag of SERVE_V8_FLAGS) expect(cmdline).toContain(flag);
  });

  it("starts with node's and glibc's defaults when turned off", async () => {
    const { cmdline, environ } = await serveWith({ CERTUS_TRUST_RUNTIME_DEFAULTS: "off" });
    for (const flag of SERVE_V8_FLAGS) expect(cmdline).not.toContain(flag);
    expect(environ.some((e) => e.startsWith("MALLOC_ARENA_MAX="))).toBe(false);
  });
});
