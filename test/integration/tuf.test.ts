/**
 * The TUF repository at /tuf/ as stock clients meet it: tuf-js's Updater and @sigstore/tuf
 * bootstrap from the served 1.root.json and get the same trusted root GetKeys returns; after a CA
 * rotation and a TUF root rotation (offline, with `certus-trust keys rotate`), a client started
 * from the old root follows root N+1 and gets the new trusted root, which verifies bundles signed
 * before and after the rotation; and with an injected clock the timestamp is re-signed before it
 * expires, so a client never meets expired metadata.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { equals, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { SigningConfigSchema, TrustedRootSchema } from "@certus/trust-sdk/gen/sigstore_trustroot_pb";
import { getTrustedRoot } from "@sigstore/tuf";
import { Metadata, MetadataKind, type Timestamp } from "@tufjs/models";
import { Updater } from "tuf-js";
import { run } from "../../src/cli/index.js";
import { TrustError } from "../../src/errors.js";
import { serializeTrustedRoot } from "../../src/sigstore/embedded/trusted-root.js";
import { openTufRoleKeys, TufRepository, tufPathHandler } from "../../src/sigstore/embedded/tuf/index.js";
import { stockVerify } from "../helpers/sigstore.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import type { WireJson } from "../helpers/wire-json.js";

const DIGEST = `sha256:${createHash("sha256").update("tuf test artifact").digest("hex")}`;

interface KeysJson {
  trustedRoot: JsonValue & { certificateAuthorities: Array<{ validFor: { start: string; end?: string } }> };
  signingConfig: { mediaType: string; tsaUrls: Array<{ url: string }>; rekorTlogUrls: Array<{ url: string }> };
  keys: Array<{ purpose: string; validFor: { start: string; end?: string } }>;
  tuf: { url: string; rootVersion: string };
}

async function getKeys(url: string): Promise<KeysJson> {
  const res = await fetch(`${url}/v1/keys`);
  expect(res.status).toBe(200);
  return (await res.json()) as KeysJson;
}

async function signBundle(url: string): Promise<unknown> {
  const res = await fetch(`${url}/v1/sign`, { method: "POST", body: JSON.stringify({ artifact: { digest: DIGEST, uri: "s3://bucket/tuf" } }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { bundle: unknown }).bundle;
}

/** A tuf-js client with its own cache directory, seeded with `rootJson`. */
function tufClient(baseUrl: string, rootJson: Buffer, dir = tempDir("certus-tuf-client-")): { updater: (url?: string) => Updater; dir: string } {
  mkdirSync(join(dir, "targets"), { recursive: true });
  writeFileSync(join(dir, "root.json"), rootJson);
  return {
    dir,
    // A server restarted on an ephemeral port has a new URL; the cache (and trusted root) stays.
    updater: (url = baseUrl) =>
      new Updater({ metadataDir: dir, metadataBaseUrl: `${url}/tuf`, targetDir: join(dir, "targets"), targetBaseUrl: `${url}/tuf/targets` }),
  };
}

async function downloadTarget(updater: Updater, name: string): Promise<Buffer> {
  await updater.refresh();
  const info = await updater.getTargetInfo(name);
  expect(info, name).toBeDefined();
  return readFileSync(await updater.downloadTarget(info!));
}

const sameTrustedRoot = (a: unknown, b: unknown) =>
  equals(TrustedRootSchema, fromJson(TrustedRootSchema, a as JsonValue), fromJson(TrustedRootSchema, b as JsonValue));

describe("TUF repository (served by the server)", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it("tuf-js bootstraps from 1.root.json and downloads the trusted root GetKeys returns", async () => {
    const root1 = Buffer.from(await (await fetch(`${srv.url}/tuf/1.root.json`)).arrayBuffer());
    const keys = await getKeys(srv.url);
    expect(keys.tuf).toEqual({ url: `${srv.url}/tuf/`, rootVersion: "1" });
    const client = tufClient(srv.url, root1);
    const trustedRoot = await downloadTarget(client.updater(), "trusted_root.json");
    expect(trustedRoot.toString()).toBe(serializeTrustedRoot(srv.server.stack.trustedRoot));
    expect(sameTrustedRoot(JSON.parse(trustedRoot.toString()), keys.trustedRoot)).toBe(true);

    const signingConfig = JSON.parse((await downloadTarget(client.updater(), "signing_config.v0.2.json")).toString());
    expect(signingConfig.mediaType).toBe("application/vnd.dev.sigstore.signingconfig.v0.2+json");
    expect(
      equals(SigningConfigSchema, fromJson(SigningConfigSchema, signingConfig), fromJson(SigningConfigSchema, keys.signingConfig as unknown as JsonValue)),
    ).toBe(true);
    const base = srv.server.stack.instance.baseUrl;
    expect(signingConfig.caUrls[0].url).toBe(base);
    expect(signingConfig.rekorTlogUrls[0].url).toBe(base);
    expect(signingConfig.tsaUrls[0].url).toBe(`${base}/api/v1/timestamp`);
  });

  it("@sigstore/tuf getTrustedRoot works with the service as mirror", async () => {
    const rootPath = join(tempDir(), "root.json");
    writeFileSync(rootPath, Buffer.from(await (await fetch(`${srv.url}/tuf/1.root.json`)).arrayBuffer()));
    const trustedRoot = await getTrustedRoot({ mirrorURL: `${srv.url}/tuf`, rootPath, cachePath: tempDir() });
    const keys = await getKeys(srv.url);
    expect(trustedRoot.mediaType).toBe("application/vnd.dev.sigstore.trustedroot+json;version=0.1");
    expect(Buffer.from(trustedRoot.tlogs[0]!.logId!.keyId).toString("base64")).toBe(
      (keys.trustedRoot as unknown as { tlogs: Array<{ logId: { keyId: string } }> }).tlogs[0]!.logId.keyId,
    );
    expect(trustedRoot.certificateAuthorities).toHaveLength(1);
  });

  it("serves the unversioned names, refuses other methods, and 404s what it does not have", async () => {
    for (const name of ["root.json", "timestamp.json", "snapshot.json", "targets.json", "1.snapshot.json", "1.targets.json"]) {
      const res = await fetch(`${srv.url}/tuf/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/json");
    }
    expect((await fetch(`${srv.url}/tuf/2.root.json`)).status).toBe(404);
    expect((await fetch(`${srv.url}/tuf/../keys/tlog.key.pem`)).status).toBe(404);
    expect((await fetch(`${srv.url}/tuf/targets/${"0".repeat(64)}.trusted_root.json`)).status).toBe(404);
    expect((await fetch(`${srv.url}/tuf/writer.lock`)).status).toBe(404);
    expect((await fetch(`${srv.url}/tuf/timestamp.json`, { method: "POST", body: "{}" })).status).toBe(405);
  });

  it("a second writer on the same data directory is refused while the server runs", async () => {
    const err = await TufRepository.open({
      directory: join(srv.dataDir, "tuf"),
      keys: await openTufRoleKeys(srv.dataDir),
      targets: new Map(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrustError);
    expect((err as TrustError).code).toBe("FAILED_PRECONDITION");
    expect((err as Error).message).toMatch(/in use by process/);
  });
});

describe("key rotation through TUF", () => {
  it("a client on the old root follows CA, TSA and root rotations; old and new bundles verify with the new trusted root", async () => {
    const dataDir = tempDir();
    let srv = await startTestServer({}, dataDir);
    const oldBundle = await signBundle(srv.url);
    const oldIssuer = srv.url;
    const root1 = Buffer.from(await (await fetch(`${srv.url}/tuf/1.root.json`)).arrayBuffer());
    const client = tufClient(srv.url, root1);
    const before = JSON.parse((await downloadTarget(client.updater(), "trusted_root.json")).toString());
    expect(before.certificateAuthorities).toHaveLength(1);
    await srv.stop();

    // The server is stopped; rotating while it runs is refused (see the writer lock test).
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      expect(await run(["keys", "rotate", "--purpose", "ca", "--data-dir", dataDir])).toBe(0);
      expect(await run(["keys", "rotate", "--purpose", "tsa", "--data-dir", dataDir])).toBe(0);
      expect(await run(["keys", "rotate", "--purpose", "ct", "--data-dir", dataDir])).toBe(0);
      expect(await run(["keys", "rotate", "--purpose", "tuf-root", "--data-dir", dataDir])).toBe(0);
    } finally {
      log.mockRestore();
    }

    srv = await startTestServer({}, dataDir);
    try {
      const keys = await getKeys(srv.url);
      expect(keys.tuf.rootVersion).toBe("2");
      const cas = keys.trustedRoot.certificateAuthorities;
      expect(cas).toHaveLength(2);
      expect(cas[0]!.validFor.end).toBeDefined();
      expect(cas[1]!.validFor.end).toBeUndefined();
      expect(Date.parse(cas[0]!.validFor.end!)).toBeLessThanOrEqual(Date.parse(cas[1]!.validFor.start) + 2000);
      expect(keys.keys.filter((k) => k.purpose === "CA_ROOT")).toHaveLength(2);
      const tsas = (keys.trustedRoot as unknown as { timestampAuthorities: Array<{ validFor: { end?: string } }> }).timestampAuthorities;
      expect(tsas.map((t) => t.validFor.end !== undefined)).toEqual([true, false]);
      // A new CT log (new key, new log ID) beside the retired one, each at its own URL.
      const ctlogs = (
        keys.trustedRoot as unknown as { ctlogs: Array<{ baseUrl: string; logId: { keyId: string }; publicKey: { validFor: { end?: string } } }> }
      ).ctlogs;
      expect(ctlogs.map((t) => t.publicKey.validFor.end !== undefined)).toEqual([true, false]);
      expect(ctlogs[0]!.logId.keyId).not.toBe(ctlogs[1]!.logId.keyId);
      expect(ctlogs.map((t) => new URL(t.baseUrl).pathname)).toEqual(["/ctlog/1", "/ctlog/2"]);
      expect(keys.keys.filter((k) => k.purpose === "CTLOG").map((k) => k.validFor.end !== undefined)).toEqual([true, false]);
      expect(keys.keys.filter((k) => k.purpose === "TUF_ROOT").map((k) => k.validFor.end !== undefined)).toEqual([true, false]);

      // 2.root.json is signed by both the old and the new root key.
      const root2 = JSON.parse(await (await fetch(`${srv.url}/tuf/2.root.json`)).text());
      expect(root2.signatures).toHaveLength(2);

      // The same client, still holding root 1, moves to root 2 and the new trusted root.
      const after = JSON.parse((await downloadTarget(client.updater(srv.url), "trusted_root.json")).toString());
      expect(JSON.parse(readFileSync(join(client.dir, "root.json"), "utf8")).signed.version).toBe(2);
      expect(sameTrustedRoot(after, keys.trustedRoot)).toBe(true);
      // So does @sigstore/tuf from the old root.
      const rootPath = join(tempDir(), "root.json");
      writeFileSync(rootPath, root1);
      const viaSigstoreTuf = await getTrustedRoot({ mirrorURL: `${srv.url}/tuf`, rootPath, cachePath: tempDir() });
      expect(viaSigstoreTuf.certificateAuthorities).toHaveLength(2);

      // `keys --tuf-root` prints the current root.
      let printed = "";
      const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((printed += chunk.toString()), true));
      try {
        expect(await run(["keys", "--tuf-root", "--server", srv.url])).toBe(0);
      } finally {
        write.mockRestore();
      }
      expect(JSON.parse(printed).signed.version).toBe(2);

      const newBundle = await signBundle(srv.url);
      const chainOf = (b: WireJson) => b.verificationMaterial.certificate?.rawBytes ?? b.verificationMaterial.x509CertificateChain?.certificates[0].rawBytes;
      expect(chainOf(newBundle)).not.toBe(chainOf(oldBundle));
      const policy = (issuer: string) => ({ subjectAlternativeName: "certus-trust@certus.cloud", extensions: { issuer } });
      stockVerify(after, oldBundle, undefined, policy(oldIssuer));
      // The service's issuer was fixed at first start: the restart on another port keeps it.
      stockVerify(after, newBundle, undefined, policy(oldIssuer));
      // The old trusted root does not know the new CA.
      expect(() => stockVerify(before, newBundle, undefined, policy(oldIssuer))).toThrow();
    } finally {
      await srv.stop();
    }
  });

  it("the log key cannot be rotated, and says why", async () => {
    const err = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      expect(await run(["keys", "rotate", "--purpose", "tlog", "--data-dir", tempDir()])).toBe(2);
      expect(err.mock.calls.flat().join(" ")).toMatch(/bound to its key/);
    } finally {
      err.mockRestore();
    }
  });
});

describe("TUF renewal with an injected clock", () => {
  const HOUR = 60 * 60 * 1000;
  let server: Server | undefined;
  let repo: TufRepository | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await repo?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
    repo = undefined;
  });

  it("re-signs the timestamp before it expires, so a client never sees expired metadata", async () => {
    const dataDir = tempDir();
    let fakeNow = Date.now();
    const clock = () => new Date(fakeNow);
    // tuf-js judges expiry by the system clock: fake Date only (timers stay real).
    vi.useFakeTimers({ toFake: ["Date"], now: fakeNow });
    repo = await TufRepository.open({
      directory: join(dataDir, "tuf"),
      keys: await openTufRoleKeys(dataDir),
      targets: new Map([["trusted_root.json", Buffer.from('{"mediaType":"test"}\n')]]),
      policy: { timestampExpiryMs: 24 * HOUR, snapshotExpiryMs: 72 * HOUR, checkIntervalMs: 1000 },
      now: clock,
    });
    repo.start();
    const handler = tufPathHandler(() => repo);
    server = createServer((req, res) => void Promise.resolve(handler(req, res)).then((answered) => answered || res.writeHead(404).end()));
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const root1 = Buffer.from((await repo.read("1.root.json"))!);
    const client = tufClient(url, root1);

    const fetchTimestamp = async () =>
      (Metadata.fromJSON as (kind: MetadataKind, json: unknown) => Metadata<Timestamp>)(
        MetadataKind.Timestamp,
        await (await fetch(`${url}/tuf/timestamp.json`)).json(),
      );
    // The timer alone: 13 of the timestamp's 24 hours gone, and it is re-signed without any request.
    const first = repo.versions().timestamp;
    fakeNow += 13 * HOUR;
    vi.setSystemTime(fakeNow);
    await new Promise((r) => setTimeout(r, 1500));
    expect(repo.versions().timestamp).toBe(first + 1);

    const seen: number[] = [];
    // Walk five days in 5-hour steps, faster than the timer: the request path renews.
    for (let step = 0; step <= 24; step++) {
      fakeNow += 5 * HOUR;
      vi.setSystemTime(fakeNow);
      const ts = await fetchTimestamp();
      expect(ts.signed.isExpired(new Date(fakeNow)), `step ${step}`).toBe(false);
      expect(Date.parse(ts.signed.expires) - fakeNow, `step ${step}`).toBeGreaterThanOrEqual(12 * HOUR - 1000);
      seen.push(ts.signed.version);
      await downloadTarget(client.updater(), "trusted_root.json"); // tuf-js refuses anything expired
    }
    expect(new Set(seen).size).toBeGreaterThan(5);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    // The snapshot (3-day lifetime) was renewed too, and older snapshot versions that expired are not served.
    expect(repo.versions().snapshot).toBeGreaterThan(1);
    expect((await fetch(`${url}/tuf/1.snapshot.json`)).status).toBe(404);
  });

  it("a jump past every expiry without a timer tick still serves fresh metadata", async () => {
    const dataDir = tempDir();
    let fakeNow = Date.now();
    repo = await TufRepository.open({
      directory: join(dataDir, "tuf"),
      keys: await openTufRoleKeys(dataDir),
      targets: new Map([["trusted_root.json", Buffer.from("{}\n")]]),
      now: () => new Date(fakeNow),
    });
    const v = repo.versions();
    fakeNow += 400 * 24 * HOUR; // past the root's expiry too
    const ts = Metadata.fromJSON(MetadataKind.Timestamp, JSON.parse((await repo.read("timestamp.json"))!.toString()));
    expect(ts.signed.isExpired(new Date(fakeNow))).toBe(false);
    const after = repo.versions();
    expect(after.root).toBe(v.root + 1);
    expect(after.timestamp).toBeGreaterThan(v.timestamp);
    expect(after.targets).toBe(v.targets + 1);
  });
});
