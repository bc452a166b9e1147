/**
 * A real, throwaway MariaDB server for tests: Debian's `mariadb-server` (installed by
 * scripts/setup-mariadb.sh, the `pretest` step), `mariadb-install-db` on a private temporary data
 * directory, listening on a free loopback port and on its own Unix socket inside that directory,
 * run as an unprivileged user (`mysql`, or `nobody` when that account is missing; as root we drop
 * to it with setpriv, which execs so the child's pid is the server's). The harness administers it
 * as `root` over the private socket (no password, no TCP); the servers under test connect over TCP
 * as their own users with random passwords. Torn down (shutdown, directory removed) after.
 *
 * Used by test/helpers/rekor-v1-stack.ts (Trillian's storage and Rekor v1's search index). When
 * the binaries are missing, `mariadbMissing()` says why; callers fail under CI=true.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./sigstore-stack.js";

/** The binaries, found on PATH or in Debian's places; undefined when one is missing. */
function mariadbBinaries(): { server: string; installDb: string; client: string } | undefined {
  const find = (names: string[], dirs: string[]) => {
    for (const n of names) {
      const r = spawnSync("sh", ["-c", `command -v ${n}`], { encoding: "utf8" });
      if (r.status === 0 && r.stdout.trim() !== "") return r.stdout.trim();
      for (const d of dirs) if (existsSync(join(d, n))) return join(d, n);
    }
    return undefined;
  };
  const server = find(["mariadbd"], ["/usr/sbin", "/usr/libexec"]);
  const installDb = find(["mariadb-install-db"], ["/usr/bin"]);
  const client = find(["mariadb"], ["/usr/bin"]);
  return server && installDb && client ? { server, installDb, client } : undefined;
}

/** Why no MariaDB can start here, or undefined. */
export function mariadbMissing(): string | undefined {
  return mariadbBinaries() === undefined
    ? "MariaDB (mariadbd, mariadb-install-db, mariadb) is not installed; run `bash scripts/setup-mariadb.sh` (needs root and apt)"
    : undefined;
}

/** Who runs the server: `mysql` or `nobody`; undefined when not root (run as ourselves). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ["mysql", "nobody"]) {
    const u = spawnSync("id", ["-u", name], { encoding: "utf8" });
    const g = spawnSync("id", ["-g", name], { encoding: "utf8" });
    if (u.status === 0 && g.status === 0) return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
  }
  throw new Error("no unprivileged user (mysql or nobody) to run MariaDB as");
}

function asUser(user: ReturnType<typeof serverUser>, argv: string[]): [string, string[]] {
  if (!user) return [argv[0]!, argv.slice(1)];
  return ["setpriv", [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--", ...argv]];
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

/** A running test server. */
export interface TestMariaDb {
  readonly port: number;
  /** Runs SQL as root over the private socket (statements separated by `;`); resolves to stdout. */
  sql(statements: string, database?: string): Promise<string>;
  /**
   * Creates `database` and a user with a random password allowed on it only (from 127.0.0.1);
   * returns a Go MySQL driver DSN for it (`user:password@tcp(127.0.0.1:port)/database`).
   */
  createDatabase(database: string, user: string): Promise<{ dsn: string; user: string; password: string }>;
  /** Output of the server (for failure messages). */
  output(): string;
  stop(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

/** mariadb-install-db + start. Throws when the binaries are missing or the server does not come up. */
export async function startTestMariaDb(): Promise<TestMariaDb> {
  const bin = mariadbBinaries();
  if (!bin) throw new Error(mariadbMissing());
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), "certus-mariadb-"));
  const dataDir = join(dir, "data");
  mkdirSync(dataDir);
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(dataDir, user.uid, user.gid);
  }
  const socket = join(dir, "mysqld.sock");
  const [icmd, iargs] = asUser(user, [
    bin.installDb,
    "--no-defaults",
    `--datadir=${dataDir}`,
    "--auth-root-authentication-method=normal",
    "--skip-test-db",
    "--skip-name-resolve",
  ]);
  const init = spawnSync(icmd, iargs, { encoding: "utf8", cwd: dir, timeout: 120_000 });
  if (init.status !== 0) throw new Error(`mariadb-install-db failed (exit ${init.status}):\n${init.stdout}\n${init.stderr}`);
  const port = await freePort();
  let out = "";
  let child: ChildProcess | undefined;

  const run = (args: string[], input: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const p = spawn(bin.client, ["--no-defaults", `--socket=${socket}`, "-u", "root", "--batch", "--skip-column-names", ...args], {
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      p.on("error", reject);
      // A client that exits before reading its input (the server is not up yet) closes the pipe:
      // its exit status is the error reported.
      p.stdin.on("error", (err) => (stderr += `${err.message}\n`));
      p.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`mariadb client exit ${code}: ${stderr}`))));
      p.stdin.end(input);
    });

  const start = async () => {
    const [c, a] = asUser(user, [
      bin.server,
      "--no-defaults",
      `--datadir=${dataDir}`,
      `--socket=${socket}`,
      `--pid-file=${join(dir, "mysqld.pid")}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      "--skip-name-resolve",
      "--innodb-buffer-pool-size=64M",
      "--max-connections=200",
      "--character-set-server=utf8mb4",
      "--log-error=",
    ]);
    out = "";
    const p = spawn(c, a, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    child = p;
    live.add(p);
    p.stdout.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    p.stderr.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    p.once("exit", () => live.delete(p));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (p.exitCode !== null) throw new Error(`mariadbd exited with ${p.exitCode} while starting:\n${out}`);
      try {
        await run([], "SELECT 1");
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`mariadbd did not accept connections within 60 s: ${(err as Error).message}\n${out}`, { cause: err });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };

  const stop = async () => {
    const p = child;
    child = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    p.kill("SIGTERM"); // a normal shutdown
    const timer = setTimeout(() => p.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await start();
  } catch (err) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    sql: (statements, database) => run(database ? [database] : [], statements),
    async createDatabase(database, name) {
      if (!/^[a-z_][a-z0-9_]{0,30}$/.test(database) || !/^[a-z_][a-z0-9_]{0,30}$/.test(name)) throw new TypeError(`database ${database} / user ${name}`);
      const password = randomBytes(18).toString("base64url");
      await run(
        [],
        [
          `CREATE DATABASE ${database}`,
          `CREATE USER '${name}'@'127.0.0.1' IDENTIFIED BY '${password}'`,
          `GRANT ALL PRIVILEGES ON ${database}.* TO '${name}'@'127.0.0.1'`,
          "",
        ].join(";\n"),
      );
      return { dsn: `${name}:${password}@tcp(127.0.0.1:${port})/${database}`, user: name, password };
    },
    output: () => out,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
