/**
 * A real Sigstore stack for tests: timestamp-authority, Fulcio and Rekor v2 (rekor-tiles, POSIX
 * storage) built from their Go modules by scripts/setup-sigstore-servers.mjs, started as child
 * processes on free loopback ports with their storage in a temp directory, plus a static file
 * server over rekor-tiles' storage directory (the log's read URL, as a bucket or CDN serves it in
 * production). Fulcio trusts the test OIDC provider (test/helpers/oidc-provider.ts) or another
 * issuer (`oidcIssuer`, e.g. Keycloak), email identities, audience `sigstore`; it runs with an
 * ephemeral CA (or a file CA, `fulcioCa: "file"`, to be restarted) and logs every precertificate in
 * a certificate-transparency log (TesseraCT, POSIX storage) that accepts Fulcio's root, so its
 * certificates carry SCTs and the trusted root lists that CT log: verifiers keep their default
 * SCT requirement. The TSA signs with a memory signer, or a file signer (`tsaSigner: "file"`) to
 * be restarted with the same chain.
 *
 * Ports: every server gets its own HTTP, gRPC and metrics ports (Fulcio and rekor-tiles default to
 * :2112) and Fulcio its own legacy gRPC socket. timestamp-server v2.1.3 binds its metrics to
 * :2112 on all interfaces with no flag to change it, so only one TSA can run per host: `start`
 * refuses with a clear message when :2112 is taken, rather than letting the TSA die.
 *
 * The Rekor checkpoint origin (`--hostname`) is `127.0.0.1`, the host name of the trusted root's
 * `baseUrl` `http://127.0.0.1:<port>`; `start` checks that: `@sigstore/verify` needs the origin
 * inside the baseUrl and sigstore-go (cosign) needs it equal to the baseUrl's host name, or every
 * checkpoint check fails.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, generateKeyPairSync, X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { join, normalize, resolve, sep } from "node:path";
// @ts-expect-error -- a plain .mjs script without declarations
import { SIGSTORE_SERVERS, serverBuild, serverPath } from "../../scripts/setup-sigstore-servers.mjs";
import type { TestOidcProvider } from "./oidc-provider.js";
import { tempDir } from "./server.js";
import { writeFulcioFileCa, writeTsaFileSigner } from "./sigstore-pki.js";

/** Why the stack cannot start here (binaries not built), or undefined. */
export function realSigstoreMissing(): string | undefined {
  // (Rekor v1's builds are rekor-v1-stack.ts's to check: rekorV1Missing.)
  const missing = Object.entries(SIGSTORE_SERVERS as Record<string, { rekorV1?: boolean }>)
    .filter(([n, s]) => s.rekorV1 !== true && serverBuild(n) === undefined)
    .map(([n]) => n);
  return missing.length === 0 ? undefined : `not built: ${missing.join(", ")}; run \`node scripts/setup-sigstore-servers.mjs\` (needs Go >= 1.26)`;
}

/** Pinned versions, for reports. */
export const REAL_SIGSTORE_VERSIONS: Record<string, string> = Object.fromEntries(
  Object.entries(SIGSTORE_SERVERS as Record<string, { version: string; rekorV1?: boolean }>)
    .filter(([, s]) => s.rekorV1 !== true)
    .map(([n, s]) => [n, s.version]),
);

export async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export async function portFree(port: number, host?: string): Promise<boolean> {
  const srv = createNetServer();
  return new Promise((r) => {
    srv.once("error", () => r(false));
    srv.listen(port, host, () => srv.close(() => r(true)));
  });
}

/** A child server with its captured output. */
export class Proc {
  child: ChildProcess | undefined;
  out = "";

  constructor(
    readonly name: string,
    readonly bin: string,
    readonly args: string[],
    readonly cwd: string,
  ) {}

  start(): void {
    this.out = "";
    const child = spawn(this.bin, this.args, { cwd: this.cwd, stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env["PATH"] ?? "", HOME: this.cwd } });
    child.stdout.on("data", (d: Buffer) => (this.out = (this.out + d.toString()).slice(-20_000)));
    child.stderr.on("data", (d: Buffer) => (this.out = (this.out + d.toString()).slice(-20_000)));
    this.child = child;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

export async function waitFor(proc: Proc, url: string, ok: (status: number) => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child?.exitCode !== null && proc.child?.exitCode !== undefined) throw new Error(`${proc.name} exited with ${proc.child.exitCode}:\n${proc.out}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (ok(res.status)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${proc.name} did not answer ${url} within ${timeoutMs} ms:\n${proc.out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const pemBlocks = (pem: string): string[] => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
const derOf = (pem: string) => Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, ""), "base64");

function chainEntry(uri: string, pems: string[]): Record<string, unknown> {
  const certs = pems.map((p) => new X509Certificate(p));
  const leaf = certs[0]!;
  const cn = /CN=([^\n,]+)/.exec(leaf.subject)?.[1] ?? "";
  const o = /O=([^\n,]+)/.exec(leaf.subject)?.[1] ?? "";
  // Valid from the oldest certificate's notBefore: every timestamp inside the chain is inside the window.
  const start = new Date(Math.min(...certs.map((c) => Date.parse(c.validFrom))));
  return {
    subject: { organization: o, commonName: cn },
    uri,
    certChain: { certificates: pems.map((p) => ({ rawBytes: derOf(p).toString("base64") })) },
    validFor: { start: start.toISOString() },
  };
}

export interface RealSigstoreOptions {
  /** The test OIDC provider Fulcio trusts (its issuer), unless `oidcIssuer` names another. */
  idp?: TestOidcProvider;
  /** Fulcio's OIDC issuer URL (e.g. a Keycloak realm), instead of `idp`'s; audience `sigstore`, email identities. */
  oidcIssuer?: string;
  /**
   * Fulcio's CA: `ephemeral` (default; a restart brings another key) or `file` (`--ca fileca`: a
   * root key and certificate generated into the stack's directory, the key 0600 and encrypted
   * with a random password kept beside it), so `startFulcio` brings back the same CA.
   */
  fulcioCa?: "ephemeral" | "file";
  /**
   * The TSA's signer: `memory` (default; a restart brings another key) or `file`
   * (`--timestamp-signer file`: a key and chain generated into the stack's directory), so
   * `startTsa` brings back the same TSA.
   */
  tsaSigner?: "memory" | "file";
  /** rekor-tiles' --checkpoint-interval, in milliseconds. Default 1000. */
  checkpointIntervalMs?: number;
  /** rekor-tiles' --batch-max-age, in milliseconds. Default 250 (its own default). */
  batchMaxAgeMs?: number;
  /**
   * Starts a Rekor v1 in place of rekor-tiles (test/helpers/rekor-v1-stack.ts `startRekorV1`),
   * after the TSA holds :2112; the trusted root lists its key and URL, and `rekorReadUrl` and
   * `rekorStorageDir` are empty (Rekor v1 is read through its API).
   */
  rekorV1?: (dir: string) => Promise<AlternateRekor>;
}

/** A Rekor started by another harness instead of rekor-tiles. */
export interface AlternateRekor {
  readonly url: string;
  /** The checkpoint origin line. */
  readonly origin: string;
  readonly keySpki: Buffer;
  /** Its entry in the trusted root's `tlogs`. */
  readonly trustedRootTlog: Record<string, unknown>;
  stop(): Promise<void>;
  start(): Promise<void>;
  output(name: "rekor"): string;
  destroy(): Promise<void>;
}

export interface RealSigstoreStack {
  readonly dir: string;
  readonly fulcioUrl: string;
  readonly tsaUrl: string;
  /** rekor-tiles' write API (`/api/v2/log/entries`). */
  readonly rekorUrl: string;
  /** The static file server over rekor-tiles' storage (checkpoint and tiles). */
  readonly rekorReadUrl: string;
  /** rekor-tiles' storage directory. */
  readonly rekorStorageDir: string;
  /** The checkpoint origin (= rekor-tiles' --hostname). */
  readonly rekorOrigin: string;
  readonly checkpointIntervalMs: number;
  /** trusted_root.json for this stack (Fulcio's CA, the TSA's chain, the log key). */
  readonly trustedRoot: Record<string, unknown>;
  readonly trustedRootFile: string;
  /** The log key's SPKI DER. */
  readonly rekorKeySpki: Buffer;
  stopRekor(): Promise<void>;
  startRekor(): Promise<void>;
  /** Stops the TSA (for good with the memory signer: it would come back with another key). */
  stopTsa(): Promise<void>;
  /** Starts the stopped TSA again; only with `tsaSigner: "file"` (the same key and chain). */
  startTsa(): Promise<void>;
  /** Stops Fulcio (for good with the ephemeral CA: it would come back with another key). */
  stopFulcio(): Promise<void>;
  /** Starts the stopped Fulcio again; only with `fulcioCa: "file"` (the same CA). */
  startFulcio(): Promise<void>;
  /** Output of one server, for failure messages. */
  output(name: "fulcio" | "tsa" | "rekor"): string;
  stop(): Promise<void>;
}

export async function startRealSigstore(options: RealSigstoreOptions): Promise<RealSigstoreStack> {
  const missing = realSigstoreMissing();
  if (missing) throw new Error(`the real Sigstore servers are ${missing}`);
  if (!(await portFree(2112))) {
    throw new Error(
      "port 2112 is taken: timestamp-server v2.1.3 binds its metrics to :2112 on all interfaces (no flag changes it), so it cannot start while something else holds that port",
    );
  }
  const dir = tempDir("certus-real-sigstore-");
  const procs: Proc[] = [];
  const stopAll = async () => {
    for (const p of procs.reverse()) await p.stop();
  };
  let files: Server | undefined;
  let alternate: AlternateRekor | undefined;
  try {
    // --- timestamp-authority
    const tsaPort = await freePort();
    const tsaFile = options.tsaSigner === "file" ? await writeTsaFileSigner(join(dir, "tsa")) : undefined;
    const tsaSignerArgs = tsaFile
      ? ["--timestamp-signer", "file", "--file-signer-key-path", tsaFile.keyPath, "--certificate-chain-path", tsaFile.chainPath]
      : ["--timestamp-signer", "memory"];
    const tsa = new Proc(
      "timestamp-server",
      serverPath("timestamp-server"),
      ["serve", "--host", "127.0.0.1", "--port", String(tsaPort), ...tsaSignerArgs, "--disable-ntp-monitoring", "--log-type", "prod"],
      dir,
    );
    procs.push(tsa);
    tsa.start();
    const tsaUrl = `http://127.0.0.1:${tsaPort}`;

    // --- Fulcio: ephemeral CA, the test issuer, its CT log on a port chosen now (started below,
    // once Fulcio's root is known: the CT log accepts chains to it only)
    const ctPort = await freePort();
    const ctUrl = `http://127.0.0.1:${ctPort}`;
    const ctDir = join(dir, "ctlog");
    mkdirSync(join(ctDir, "storage"), { recursive: true });
    const ctKey = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(join(ctDir, "signer.pem"), ctKey.privateKey.export({ format: "pem", type: "sec1" }), { mode: 0o600 });
    const ctSpki = ctKey.publicKey.export({ format: "der", type: "spki" });
    writeFileSync(join(ctDir, "public.pem"), ctKey.publicKey.export({ format: "pem", type: "spki" }));
    const fulcioDir = join(dir, "fulcio");
    mkdirSync(fulcioDir);
    const configPath = join(fulcioDir, "config.json");
    const issuer = options.oidcIssuer ?? options.idp?.issuer;
    if (issuer === undefined) throw new Error("startRealSigstore needs an OIDC issuer for Fulcio: idp or oidcIssuer");
    const fileCa = options.fulcioCa === "file" ? await writeFulcioFileCa(join(fulcioDir, "ca")) : undefined;
    const caArgs = fileCa
      ? ["--ca", "fileca", "--fileca-cert", fileCa.certPath, "--fileca-key", fileCa.keyPath, "--fileca-key-passwd", fileCa.password, "--fileca-watch=false"]
      : ["--ca", "ephemeralca"];
    writeFileSync(configPath, JSON.stringify({ OIDCIssuers: { [issuer]: { IssuerURL: issuer, ClientID: "sigstore", Type: "email" } } }));
    const [fulcioPort, fulcioGrpc, fulcioMetrics] = [await freePort(), await freePort(), await freePort()];
    const fulcio = new Proc(
      "fulcio",
      serverPath("fulcio"),
      [
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        String(fulcioPort),
        "--grpc-host",
        "127.0.0.1",
        "--grpc-port",
        String(fulcioGrpc),
        "--metrics-port",
        String(fulcioMetrics),
        "--legacy-unix-domain-socket",
        join(fulcioDir, "legacy.sock"),
        ...caArgs,
        `--ct-log-url=${ctUrl}`,
        "--ct-log-public-key-path",
        join(ctDir, "public.pem"),
        "--config-path",
        configPath,
        "--log_type",
        "prod",
      ],
      fulcioDir,
    );
    procs.push(fulcio);
    fulcio.start();
    const fulcioUrl = `http://127.0.0.1:${fulcioPort}`;

    // --- rekor-tiles (POSIX)
    const rekorDir = join(dir, "rekor");
    const storage = join(rekorDir, "storage");
    mkdirSync(storage, { recursive: true });
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const keyFile = join(rekorDir, "signer.pem");
    writeFileSync(keyFile, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });
    const rekorKeySpki = publicKey.export({ format: "der", type: "spki" });
    const [rekorPort, rekorGrpc, rekorMetrics] = [await freePort(), await freePort(), await freePort()];
    // The checkpoint origin is the log URL's host name: @sigstore/verify wants it inside the
    // trusted root's baseUrl, sigstore-go (cosign) wants it equal to the baseUrl's host name.
    const rekorOrigin = "127.0.0.1";
    const rekorUrl = `http://${rekorOrigin}:${rekorPort}`;
    const checkpointIntervalMs = options.checkpointIntervalMs ?? 1_000;
    const rekor = new Proc(
      "rekor-tiles",
      serverPath("rekor-tiles"),
      [
        "serve",
        "--storage-dir",
        storage,
        "--signer-filepath",
        keyFile,
        "--hostname",
        rekorOrigin,
        "--http-address",
        "127.0.0.1",
        "--http-port",
        String(rekorPort),
        "--grpc-address",
        "127.0.0.1",
        "--grpc-port",
        String(rekorGrpc),
        "--http-metrics-port",
        String(rekorMetrics),
        "--checkpoint-interval",
        `${checkpointIntervalMs}ms`,
        "--batch-max-age",
        `${options.batchMaxAgeMs ?? 250}ms`,
      ],
      rekorDir,
    );
    procs.push(rekor);
    if (!options.rekorV1) rekor.start();

    // --- the log's read URL: static files over the storage directory
    const root = resolve(storage);
    files = createServer((req, res) => {
      const rel = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      const file = normalize(join(root, rel));
      if (req.method !== "GET" || !file.startsWith(root + sep) || rel.includes("/.state")) {
        res.writeHead(404).end();
        return;
      }
      readFile(file).then(
        (body) => res.writeHead(200, { "content-type": "application/octet-stream", "cache-control": "no-store" }).end(body),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((r) => files!.listen(0, "127.0.0.1", r));
    const rekorReadUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;

    await Promise.all([
      waitFor(tsa, `${tsaUrl}/api/v1/timestamp/certchain`, (s) => s === 200),
      waitFor(fulcio, `${fulcioUrl}/api/v2/trustBundle`, (s) => s === 200),
      options.rekorV1 ? undefined : waitFor(rekor, `${rekorUrl}/healthz`, (s) => s === 200),
    ]);
    if (!options.rekorV1) await waitFor(rekor, `${rekorReadUrl}/checkpoint`, (s) => s === 200);
    alternate = await options.rekorV1?.(dir);

    // --- the CT log, accepting chains to Fulcio's root
    const bundle = (await (await fetch(`${fulcioUrl}/api/v2/trustBundle`)).json()) as { chains: { certificates: string[] }[] };
    writeFileSync(join(ctDir, "roots.pem"), bundle.chains.map((c) => c.certificates[c.certificates.length - 1]!).join("\n"));
    const ct = new Proc(
      "tesseract",
      serverPath("tesseract"),
      [
        "--http_endpoint",
        `127.0.0.1:${ctPort}`,
        "--origin",
        "ctlog.certus.test",
        "--storage_dir",
        join(ctDir, "storage"),
        "--private_key",
        join(ctDir, "signer.pem"),
        "--roots_pem_file",
        join(ctDir, "roots.pem"),
        "--checkpoint_interval",
        "500ms",
      ],
      ctDir,
    );
    procs.push(ct);
    ct.start();
    await waitFor(ct, `${ctUrl}/ct/v1/get-roots`, (s) => s === 200);
    const origin = alternate ? undefined : readFileSync(join(storage, "checkpoint"), "utf8").split("\n")[0];
    if (!alternate && origin !== new URL(rekorUrl).hostname) {
      throw new Error(
        `rekor-tiles' checkpoint origin ${origin} is not the host name of its base URL ${rekorUrl}: @sigstore/verify and sigstore-go would refuse every checkpoint`,
      );
    }

    const tsaChain = pemBlocks(await (await fetch(`${tsaUrl}/api/v1/timestamp/certchain`)).text());
    const trustedRoot: Record<string, unknown> = {
      mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
      tlogs: [
        alternate?.trustedRootTlog ?? {
          baseUrl: rekorUrl,
          hashAlgorithm: "SHA2_256",
          publicKey: {
            rawBytes: rekorKeySpki.toString("base64"),
            keyDetails: "PKIX_ECDSA_P256_SHA_256",
            validFor: { start: new Date(Date.now() - 60_000).toISOString() },
          },
          logId: { keyId: createHash("sha256").update(rekorKeySpki).digest("base64") },
        },
      ],
      certificateAuthorities: bundle.chains.map((c) => chainEntry(fulcioUrl, c.certificates)),
      ctlogs: [
        {
          baseUrl: ctUrl,
          hashAlgorithm: "SHA2_256",
          publicKey: {
            rawBytes: ctSpki.toString("base64"),
            keyDetails: "PKIX_ECDSA_P256_SHA_256",
            validFor: { start: new Date(Date.now() - 60_000).toISOString() },
          },
          logId: { keyId: createHash("sha256").update(ctSpki).digest("base64") },
        },
      ],
      timestampAuthorities: [chainEntry(tsaUrl, tsaChain)],
    };
    const trustedRootFile = join(dir, "trusted_root.json");
    writeFileSync(trustedRootFile, JSON.stringify(trustedRoot, null, 2));

    const byName = { fulcio, tsa, rekor };
    const v1 = alternate;
    return {
      dir,
      fulcioUrl,
      tsaUrl,
      rekorUrl: v1?.url ?? rekorUrl,
      rekorReadUrl: v1 ? "" : rekorReadUrl,
      rekorStorageDir: v1 ? "" : storage,
      rekorOrigin: v1?.origin ?? rekorOrigin,
      checkpointIntervalMs,
      trustedRoot,
      trustedRootFile,
      rekorKeySpki: v1?.keySpki ?? rekorKeySpki,
      stopRekor: () => (v1 ?? rekor).stop(),
      async startRekor() {
        if (v1) return v1.start();
        rekor.start();
        await waitFor(rekor, `${rekorUrl}/healthz`, (s) => s === 200);
      },
      stopTsa: () => tsa.stop(),
      async startTsa() {
        if (!tsaFile) throw new Error('the TSA runs with the memory signer: a restart would bring another key (use tsaSigner: "file")');
        if (!(await portFree(2112))) throw new Error("port 2112 is taken: the TSA cannot start again (it binds its metrics there)");
        tsa.start();
        await waitFor(tsa, `${tsaUrl}/api/v1/timestamp/certchain`, (s) => s === 200);
      },
      stopFulcio: () => fulcio.stop(),
      async startFulcio() {
        if (!fileCa) throw new Error('Fulcio runs with the ephemeral CA: a restart would bring another key (use fulcioCa: "file")');
        rmSync(join(fulcioDir, "legacy.sock"), { force: true });
        fulcio.start();
        await waitFor(fulcio, `${fulcioUrl}/api/v2/trustBundle`, (s) => s === 200);
      },
      output: (name) => (v1 && name === "rekor" ? v1.output("rekor") : byName[name].out),
      async stop() {
        await v1?.destroy();
        await stopAll();
        await new Promise<void>((r) => files!.close(() => r()));
        files!.closeAllConnections();
      },
    };
  } catch (err) {
    await alternate?.destroy();
    await stopAll();
    files?.close();
    throw err;
  }
}

/** Mints an ID token for `email` from the test provider and writes it to a 0600 file (the service's token file). */
export async function writeServiceToken(idp: TestOidcProvider, email: string, dir: string): Promise<string> {
  const file = join(dir, "service-token");
  writeFileSync(file, await idp.mintIdToken({ email }), { mode: 0o600 });
  return file;
}

/** Whether a binary exists (for messages). */
export const built = (name: string) => existsSync(serverPath(name));

/**
 * `startRealSigstore`, retried while another stack's TSA holds :2112 (on a machine shared by
 * several test runs), for at most `waitMs` (default 5 min); then the last error. Each wait is
 * printed: a suite that sits here says why.
 */
export async function startRealSigstoreWhenFree(options: RealSigstoreOptions, waitMs = 300_000): Promise<RealSigstoreStack> {
  const until = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRealSigstore(options);
    } catch (err) {
      const busy = err instanceof Error && /port 2112 is taken|bind: address already in use/.test(err.message);
      if (!busy || Date.now() > until) throw err;
      if (attempt === 1 || attempt % 6 === 0)
        console.warn(`[sigstore-stack] :2112 is held by another TSA on this machine; waiting (up to ${Math.round(waitMs / 1000)} s)`);
      await new Promise((r) => setTimeout(r, 5_000));
    }
  }
}
