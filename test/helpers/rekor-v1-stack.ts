/**
 * A real Rekor v1 for tests: rekor-server on Trillian (trillian_log_server + trillian_log_signer)
 * with MariaDB underneath, all built or installed by the project's setup scripts
 * (scripts/setup-sigstore-servers.mjs, scripts/setup-mariadb.sh) and started as child processes
 * on free loopback ports with their data in a temp directory:
 *
 * 1. a throwaway MariaDB (test/helpers/mariadb.ts) with two databases: `trillian`, loaded with
 *    Trillian's own MySQL schema (storage/mysql/schema/storage.sql from the trillian module at the
 *    pinned version, located with `go mod download -json`), and `rekor_index`, Rekor's search
 *    index (rekor creates its table), each with its own user and random password;
 * 2. trillian_log_server and trillian_log_signer (`--force_master`: one signer, no election), each
 *    on its own RPC and HTTP (metrics, healthz) ports;
 * 3. `createtree` makes the log tree; its ID is the tree rekor-server serves;
 * 4. rekor-server with that tree, `--search_index.storage_provider mysql` (no Redis), the search
 *    API enabled, a file signer holding an ECDSA P-256 key generated here (so the key survives a
 *    restart: a memory signer would come back with another one) and `--rekor_server.hostname
 *    127.0.0.1`, so the checkpoint origin is `127.0.0.1 - <tree ID>`, whose host part is the host
 *    name of the trusted root's `baseUrl` `http://127.0.0.1:<port>` (see the origin note in
 *    sigstore-stack.ts).
 *
 * Ports: rekor-server v1.5.4 serves its metrics on `:2112` on all interfaces, with no flag to move
 * it, and ignores the error when that port is taken (it keeps serving its API). In the full stack
 * the TSA holds :2112 first (see sigstore-stack.ts), so this rekor-server runs without metrics;
 * alone, it takes :2112.
 *
 * `stop(name)`/`start(name)` stop and restart one server (same ports, same data) for fault tests.
 */
import { spawnSync } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
// @ts-expect-error -- a plain .mjs script without declarations
import { SIGSTORE_SERVERS, serverBuild, serverPath } from "../../scripts/setup-sigstore-servers.mjs";
import { mariadbMissing, startTestMariaDb, type TestMariaDb } from "./mariadb.js";
import { freePort, Proc, waitFor } from "./sigstore-stack.js";

/** The builds this stack runs. */
export const REKOR_V1_SERVERS = ["trillian-log-server", "trillian-log-signer", "trillian-createtree", "rekor-server"] as const;

/** Pinned versions, for reports. */
export const REKOR_V1_VERSIONS: Record<string, string> = Object.fromEntries(
  REKOR_V1_SERVERS.map((n) => [n, (SIGSTORE_SERVERS as Record<string, { version: string }>)[n]!.version]),
);

/** Where Trillian's MySQL schema is, from the trillian module at the pinned version; or why not. */
function trillianSchema(): { file: string } | { missing: string } {
  const version = REKOR_V1_VERSIONS["trillian-log-server"]!;
  const r = spawnSync("go", ["mod", "download", "-json", `github.com/google/trillian@${version}`], {
    encoding: "utf8",
    cwd: "/",
    env: { ...process.env, GOFLAGS: "" },
    timeout: 120_000,
  });
  let dir: unknown;
  try {
    dir = (JSON.parse(r.stdout) as { Dir?: unknown }).Dir;
  } catch {
    // reported below
  }
  if (r.status !== 0 || typeof dir !== "string")
    return { missing: `go mod download github.com/google/trillian@${version} failed (exit ${r.status}): ${r.stderr || r.error?.message}` };
  const file = join(dir, "storage", "mysql", "schema", "storage.sql");
  return existsSync(file) ? { file } : { missing: `${file} is missing` };
}

/** Why this stack cannot start here, or undefined. */
export function rekorV1Missing(): string | undefined {
  const notBuilt = REKOR_V1_SERVERS.filter((n) => serverBuild(n) === undefined);
  if (notBuilt.length > 0) return `not built: ${notBuilt.join(", ")}; run \`node scripts/setup-sigstore-servers.mjs\` (needs Go >= 1.26)`;
  return mariadbMissing();
}

export interface RekorV1Stack {
  /** rekor-server's API, `http://127.0.0.1:<port>` (the trusted root's baseUrl). */
  readonly url: string;
  /** The checkpoint origin, `127.0.0.1 - <tree ID>` (the first line of every checkpoint). */
  readonly origin: string;
  readonly treeId: string;
  /** The log key's SPKI DER (Rekor's log ID is its SHA-256). */
  readonly keySpki: Buffer;
  /** This log's entry for a trusted root's `tlogs`. */
  readonly trustedRootTlog: Record<string, unknown>;
  stop(name?: "rekor" | "trillian-log-server" | "trillian-log-signer"): Promise<void>;
  start(name?: "rekor" | "trillian-log-server" | "trillian-log-signer"): Promise<void>;
  /** Output of one server, for failure messages. */
  output(name: "rekor" | "trillian-log-server" | "trillian-log-signer" | "mariadb"): string;
  /** Stops everything and drops the database. */
  destroy(): Promise<void>;
}

/** Starts MariaDB, Trillian and rekor-server under `dir` (which the caller removes). */
export async function startRekorV1(dir: string): Promise<RekorV1Stack> {
  const missing = rekorV1Missing();
  if (missing) throw new Error(`Rekor v1 cannot start: ${missing}`);
  const schema = trillianSchema();
  if ("missing" in schema) throw new Error(`Rekor v1 cannot start: Trillian's MySQL schema: ${schema.missing}`);
  const root = join(dir, "rekor-v1");
  mkdirSync(root, { recursive: true });
  let db: TestMariaDb | undefined;
  const procs: Proc[] = [];
  const stopAll = async () => {
    for (const p of [...procs].reverse()) await p.stop();
    await db?.destroy();
  };
  try {
    db = await startTestMariaDb();
    const trillianDb = await db.createDatabase("trillian", "trillian");
    await db.sql(readFileSync(schema.file, "utf8"), "trillian");
    const indexDb = await db.createDatabase("rekor_index", "rekor");

    // --- Trillian: the log server (gRPC API, admin API) and the signer (sequences and signs roots)
    const [tlsRpc, tlsHttp, signerRpc, signerHttp] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const mysql = [`--mysql_uri=${trillianDb.dsn}`, "--storage_system=mysql", "--quota_system=mysql"];
    const logServer = new Proc(
      "trillian-log-server",
      serverPath("trillian-log-server"),
      [`--rpc_endpoint=127.0.0.1:${tlsRpc}`, `--http_endpoint=127.0.0.1:${tlsHttp}`, ...mysql, "--logtostderr"],
      root,
    );
    const signer = new Proc(
      "trillian-log-signer",
      serverPath("trillian-log-signer"),
      [
        `--rpc_endpoint=127.0.0.1:${signerRpc}`,
        `--http_endpoint=127.0.0.1:${signerHttp}`,
        ...mysql,
        "--force_master",
        "--sequencer_interval=100ms",
        "--batch_size=100",
        "--logtostderr",
      ],
      root,
    );
    procs.push(logServer, signer);
    logServer.start();
    signer.start();
    await Promise.all([
      waitFor(logServer, `http://127.0.0.1:${tlsHttp}/healthz`, (s) => s === 200),
      waitFor(signer, `http://127.0.0.1:${signerHttp}/healthz`, (s) => s === 200),
    ]);

    // --- the tree
    const created = spawnSync(
      serverPath("trillian-createtree"),
      [`--admin_server=127.0.0.1:${tlsRpc}`, "--tree_type=LOG", "--display_name=certus-rekor-v1", "--max_root_duration=1h", "--logtostderr"],
      { encoding: "utf8", cwd: root, timeout: 60_000 },
    );
    const treeId = created.stdout.trim();
    if (created.status !== 0 || !/^\d+$/.test(treeId)) throw new Error(`createtree failed (exit ${created.status}):\n${created.stdout}\n${created.stderr}`);

    // --- rekor-server
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const keyFile = join(root, "rekor-signer.pem");
    writeFileSync(keyFile, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });
    const keySpki = publicKey.export({ format: "der", type: "spki" });
    const hostname = "127.0.0.1";
    const port = await freePort();
    const url = `http://${hostname}:${port}`;
    const rekor = new Proc(
      "rekor-server",
      serverPath("rekor-server"),
      [
        "serve",
        "--log_type=prod",
        `--rekor_server.address=${hostname}`,
        `--port=${port}`,
        `--rekor_server.hostname=${hostname}`,
        `--rekor_server.signer=${keyFile}`,
        "--trillian_log_server.address=127.0.0.1",
        `--trillian_log_server.port=${tlsRpc}`,
        `--trillian_log_server.tlog_id=${treeId}`,
        "--search_index.storage_provider=mysql",
        `--search_index.mysql.dsn=${indexDb.dsn}`,
        "--enable_retrieve_api=true",
      ],
      root,
    );
    procs.push(rekor);
    rekor.start();
    await waitFor(rekor, `${url}/api/v1/log`, (s) => s === 200, 60_000);

    // The served key and origin are the ones the trusted root will name.
    const served = await (await fetch(`${url}/api/v1/log/publicKey`)).text();
    const servedSpki = Buffer.from(served.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s+/g, ""), "base64");
    if (!servedSpki.equals(keySpki)) throw new Error(`rekor-server serves another public key than the file signer's:\n${served}`);
    const info = (await (await fetch(`${url}/api/v1/log`)).json()) as { signedTreeHead?: string };
    const origin = `${hostname} - ${treeId}`;
    if (info.signedTreeHead?.split("\n")[0] !== origin)
      throw new Error(`rekor-server's checkpoint origin is not ${JSON.stringify(origin)}: ${JSON.stringify(info.signedTreeHead)}`);

    const byName = { rekor, "trillian-log-server": logServer, "trillian-log-signer": signer } as const;
    const readiness = {
      rekor: () => waitFor(rekor, `${url}/api/v1/log`, (s) => s === 200, 60_000),
      "trillian-log-server": () => waitFor(logServer, `http://127.0.0.1:${tlsHttp}/healthz`, (s) => s === 200),
      "trillian-log-signer": () => waitFor(signer, `http://127.0.0.1:${signerHttp}/healthz`, (s) => s === 200),
    } as const;
    const database = db;
    return {
      url,
      origin,
      treeId,
      keySpki,
      trustedRootTlog: {
        baseUrl: url,
        hashAlgorithm: "SHA2_256",
        publicKey: {
          rawBytes: keySpki.toString("base64"),
          keyDetails: "PKIX_ECDSA_P256_SHA_256",
          validFor: { start: new Date(Date.now() - 60_000).toISOString() },
        },
        logId: { keyId: createHash("sha256").update(keySpki).digest("base64") },
      },
      stop: (name = "rekor") => byName[name].stop(),
      async start(name = "rekor") {
        byName[name].start();
        await readiness[name]();
      },
      output: (name) => (name === "mariadb" ? database.output() : byName[name].out),
      destroy: stopAll,
    };
  } catch (err) {
    const outputs = procs.map((p) => `--- ${p.name}\n${p.out.slice(-3000)}`).join("\n");
    await stopAll();
    throw new Error(`${(err as Error).message}\n${outputs}`, { cause: err });
  }
}
