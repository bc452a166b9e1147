/**
 * The command line as a user meets it: help text, configuration precedence and errors that name
 * the bad key and what it accepts.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { resolveConfig, ConfigError } from "../../src/config/config.js";
import { REPO_ROOT, tempDir } from "../helpers/server.js";

const run = promisify(execFile);
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, [join(REPO_ROOT, "bin/certus-trust.js"), ...args], { env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (err: unknown) => {
      const e = err as { code: number; stdout: string; stderr: string }; // execFile's error for a non-zero exit
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    },
  );

describe("certus-trust CLI", () => {
  it("serve --help documents every option with its default and environment variable", async () => {
    const r = await cli(["serve", "--help"]);
    expect(r.code).toBe(0);
    for (const needle of [
      "--port",
      "default: 8888",
      "CERTUS_TRUST_PORT",
      "--host",
      "default: 127.0.0.1",
      "--data-dir",
      "default: ./.certus-trust",
      "--config",
      "--max-body-bytes",
    ]) {
      expect(r.stdout).toContain(needle);
    }
  });

  it("an unknown command or flag is a usage error (exit 2)", async () => {
    expect((await cli(["frobnicate"])).code).toBe(2);
    const r = await cli(["serve", "--no-such-flag"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no-such-flag/);
  });

  it("a bad value exits 2 naming the key and what it accepts", async () => {
    const r = await cli(["serve", "--port", "99999"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port.*0 to 65535/);
    const e = await cli(["serve"], { CERTUS_TRUST_LOG_LEVEL: "loud" });
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/CERTUS_TRUST_LOG_LEVEL.*"loud".*info/);
  });

  it("refuses a non-loopback host without authentication, saying what to do", async () => {
    const r = await cli(["serve", "--host", "0.0.0.0", "--data-dir", tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a loopback address/);
    expect(r.stderr).toMatch(/--insecure-allow-anonymous/);
  });
});

describe("configuration precedence", () => {
  it("flags > environment > file > defaults", () => {
    const dir = tempDir();
    const file = join(dir, "config.yaml");
    writeFileSync(file, "port: 7001\nhost: 127.0.0.2\nlogLevel: warn\nmaxBodyBytes: 2048\n");
    const c = resolveConfig({ config: file, port: "7003" }, { CERTUS_TRUST_PORT: "7002", CERTUS_TRUST_HOST: "127.0.0.3" });
    expect(c.port).toBe(7003);
    expect(c.host).toBe("127.0.0.3");
    expect(c.logLevel).toBe("warn");
    expect(c.maxBodyBytes).toBe(2048);
    expect(c.defaultDeadlineMs).toBe(30_000);
  });

  it("an unknown key in the file is refused with the known keys", () => {
    const file = join(tempDir(), "c.yaml");
    writeFileSync(file, "prot: 1\n");
    expect(() => resolveConfig({ config: file }, {})).toThrow(ConfigError);
    expect(() => resolveConfig({ config: file }, {})).toThrow(/unknown key "prot".*port/);
  });

  it("TLS needs both certificate and key", () => {
    expect(() => resolveConfig({ "tls-cert": "/x.pem" }, {})).toThrow(/tlsCert and tlsKey/);
  });
});
