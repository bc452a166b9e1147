/**
 * A real PostgreSQL server for tests: Debian's `postgresql` binaries (installed by
 * scripts/setup-postgres.sh, the `pretest` step), `initdb` on a private temporary data directory,
 * listening on a free loopback port only (no Unix socket outside that directory), run as an
 * unprivileged user (`postgres`, or `nobody` when that account is missing; as root we drop to it
 * with setpriv, which execs so the child's pid is the server's). Password authentication
 * (SCRAM-SHA-256) with a random password; torn down (fast shutdown, directory removed) after.
 *
 * When the binaries are missing the tests skip with `postgresSkipReason`, except under CI=true,
 * where `postgresSkipReason` is undefined and starting fails the suite.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** The directory holding initdb, postgres and pg_ctl, newest version first; undefined if none. */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const dir = join(root, v, "bin");
    if (["initdb", "postgres", "pg_ctl"].every((b) => existsSync(join(dir, b)))) return dir;
  }
  return undefined;
}

/** Why the PostgreSQL tests skip, or undefined when they run (always run under CI=true: missing binaries then fail). */
export const postgresSkipReason: string | undefined =
  postgresBinDir() !== undefined || process.env["CI"] === "true"
    ? undefined
    : "PostgreSQL is not installed under /usr/lib/postgresql; run `bash scripts/setup-postgres.sh` (needs root and apt)";
if (postgresSkipReason) console.warn(`[postgres] SKIPPED: ${postgresSkipReason}`);

/** A running test server. */
export interface TestPostgres {
  /** `postgres://certus:<password>@127.0.0.1:<port>/<database>` for the default database. */
  readonly url: string;
  readonly port: number;
  /** The server's data directory (owned by the unprivileged user). */
  readonly dataDir: string;
  /** A connection URL to another database on this server. */
  urlFor(database: string): string;
  /** Creates a fresh, empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs one statement as the superuser on `database` (default: the default one). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[], database?: string): Promise<pg.QueryResult<R>>;
  /** Stops the server (fast shutdown: open connections are cut) and keeps its data. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data directory. */
  destroy(): Promise<void>;
}

const SUPERUSER = "certus";
const DEFAULT_DB = "certus";

/** Who runs the server: `postgres` or `nobody`, as uid/gid; undefined when not root (run as ourselves). */
function serverUser(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ["postgres", "nobody"]) {
    const r = spawnSync("id", ["-u", name], { encoding: "utf8" });
    const g = spawnSync("id", ["-g", name], { encoding: "utf8" });
    if (r.status === 0 && g.status === 0) return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()), name };
  }
  throw new Error("no unprivileged user (postgres or nobody) to run PostgreSQL as");
}

/** argv prefix that drops root to `user` (setpriv execs, so signals reach the server itself). */
function asUser(user: ReturnType<typeof serverUser>, argv: string[]): [string, string[]] {
  if (!user) return [argv[0]!, argv.slice(1)];
  return ["setpriv", [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--", ...argv]];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

/** Options of a test server. */
export interface TestPostgresOptions {
  /**
   * TLS only: the server presents this certificate (PEM, with its key) and refuses connections
   * without TLS (`hostnossl … reject`); the harness's own connections trust `caPem`.
   */
  tls?: { certPem: string; keyPem: string; caPem: string };
}

/** initdb + start. Throws (failing the test) when the binaries are missing. */
export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (!bin)
    throw new Error("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin; `bash scripts/setup-postgres.sh` installs them (required under CI=true)");
  const user = serverUser();
  const dataDir = mkdtempSync(join(tmpdir(), "certus-pg-"));
  const password = randomBytes(18).toString("base64url");
  const pwfile = join(dataDir, "..", `${dataDir.split("/").pop()}.pw`);
  writeFileSync(pwfile, password + "\n", { mode: 0o600 });
  if (user) {
    chownSync(dataDir, user.uid, user.gid);
    chownSync(pwfile, user.uid, user.gid);
  }
  const pgdata = join(dataDir, "data");
  const [cmd, args] = asUser(user, [
    join(bin, "initdb"),
    "-D",
    pgdata,
    "-U",
    SUPERUSER,
    `--pwfile=${pwfile}`,
    "--auth-host=scram-sha-256",
    "--auth-local=scram-sha-256",
    "-E",
    "UTF8",
    "--locale=C",
    "--no-instructions",
  ]);
  const init = spawnSync(cmd, args, { encoding: "utf8", cwd: dataDir });
  rmSync(pwfile, { force: true });
  if (init.status !== 0) throw new Error(`initdb failed (exit ${init.status}):\n${init.stdout}\n${init.stderr}`);
  const tlsArgs: string[] = [];
  if (options.tls) {
    const cert = join(pgdata, "server.crt");
    const key = join(pgdata, "server.key");
    writeFileSync(cert, options.tls.certPem, { mode: 0o644 });
    writeFileSync(key, options.tls.keyPem, { mode: 0o600 });
    writeFileSync(
      join(pgdata, "pg_hba.conf"),
      "local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 127.0.0.1/32 reject\n",
    );
    if (user) for (const f of [cert, key, join(pgdata, "pg_hba.conf")]) chownSync(f, user.uid, user.gid);
    tlsArgs.push("-c", "ssl=on", "-c", `ssl_cert_file=${cert}`, "-c", `ssl_key_file=${key}`);
  }
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = "";

  const urlFor = (db: string) => `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  const query = async <R extends pg.QueryResultRow>(text: string, values?: unknown[], database = DEFAULT_DB) => {
    const c = new pg.Client({ connectionString: urlFor(database), ...(options.tls ? { ssl: { ca: options.tls.caPem, servername: "localhost" } } : {}) });
    await c.connect();
    try {
      return await c.query<R>(text, values);
    } finally {
      await c.end();
    }
  };

  const start = async () => {
    const [c, a] = asUser(user, [
      join(bin, "postgres"),
      "-D",
      pgdata,
      "-p",
      String(port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      `unix_socket_directories=${dataDir}`,
      "-c",
      "max_connections=200",
      "-c",
      "fsync=on",
      "-c",
      "logging_collector=off",
      ...tlsArgs,
    ]);
    output = "";
    const p = spawn(c, a, { cwd: dataDir, stdio: ["ignore", "pipe", "pipe"] });
    child = p;
    live.add(p);
    p.stdout.on("data", (d: Buffer) => (output += d.toString()));
    p.stderr.on("data", (d: Buffer) => (output += d.toString()));
    p.once("exit", () => live.delete(p));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (p.exitCode !== null) throw new Error(`postgres exited with ${p.exitCode} while starting:\n${output}`);
      try {
        await query("SELECT 1", [], "postgres");
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s: ${(err as Error).message}\n${output}`, { cause: err });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  const stop = async () => {
    const p = child;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    p.kill("SIGINT"); // fast shutdown: cut clients, checkpoint, exit
    const timer = setTimeout(() => p.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timer);
    child = undefined;
  };

  await start();
  await query(`CREATE DATABASE ${DEFAULT_DB}`, [], "postgres");

  return {
    url: urlFor(DEFAULT_DB),
    port,
    dataDir: pgdata,
    urlFor,
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new TypeError(`database name ${name}`);
      await query(`CREATE DATABASE ${name}`, [], "postgres");
      return urlFor(name);
    },
    query,
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
