/**
 * Fuzzing the TUF path: the external mode reads its trusted root through TUF
 * (`src/sigstore/external/tuf.ts`, tuf-js's Updater). A mirror serves the service's own repository
 * with one byte of one metadata file or of the target changed; the client must either refuse
 * (a typed UnavailableError naming the `tuf` component, quickly) or end up with exactly the
 * genuine trusted root. It must never accept other content, crash, or hang.
 * Short run in the test command; `CERTUS_FUZZ=long` runs 20 times as many.
 */
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnavailableError } from "../../src/errors.js";
import { TufTrustRoot } from "../../src/sigstore/external/tuf.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";

const LONG = process.env["CERTUS_FUZZ"] === "long";
const SEED = process.env["CERTUS_FUZZ_SEED"] !== undefined ? Number(process.env["CERTUS_FUZZ_SEED"]) : LONG ? undefined : 20_261_125;
const RUNS = LONG ? 600 : 30;

let srv: TestServer;
let genuine: Map<string, Buffer>;
let rootFile: string;
let trustedRoot: unknown;
let mirror: Server;
let mirrorUrl: string;
/** What the mirror serves now: the genuine files with at most one changed. */
let served = new Map<string, Buffer>();

beforeAll(async () => {
  srv = await startTestServer({ "log-level": "warn" });
  const get = async (path: string) => {
    const res = await fetch(`${srv.url}/tuf/${path}`);
    expect(res.status, path).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };
  genuine = new Map();
  const root = await get("1.root.json");
  genuine.set("timestamp.json", await get("timestamp.json"));
  const ts = JSON.parse(genuine.get("timestamp.json")!.toString()) as { signed: { meta: Record<string, { version: number }> } };
  const snapshotName = `${ts.signed.meta["snapshot.json"]!.version}.snapshot.json`;
  genuine.set(snapshotName, await get(snapshotName));
  const snap = JSON.parse(genuine.get(snapshotName)!.toString()) as { signed: { meta: Record<string, { version: number }> } };
  const targetsName = `${snap.signed.meta["targets.json"]!.version}.targets.json`;
  genuine.set(targetsName, await get(targetsName));
  const targets = JSON.parse(genuine.get(targetsName)!.toString()) as { signed: { targets: Record<string, { hashes: { sha256: string } }> } };
  const targetName = `targets/${targets.signed.targets["trusted_root.json"]!.hashes.sha256}.trusted_root.json`;
  genuine.set(targetName, await get(targetName));
  // The genuine trusted root, exactly as the repository publishes it.
  trustedRoot = JSON.parse(genuine.get(targetName)!.toString("utf8"));
  rootFile = join(tempDir("certus-tuf-fuzz-"), "root.json");
  writeFileSync(rootFile, root);
  mirror = createServer((req, res) => {
    const body = served.get((req.url ?? "").replace(/^\/+/, ""));
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length }).end(body);
  });
  await new Promise<void>((r) => mirror.listen(0, "127.0.0.1", r));
  mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => mirror?.close(() => r()));
  await srv?.stop();
});

async function fetchRoot(): Promise<{ ok: true; root: unknown } | { ok: false; err: unknown }> {
  try {
    const source = await TufTrustRoot.open({ mirrorUrl, rootFile, cacheDir: tempDir("certus-tuf-cache-"), deadlineMs: 400, refreshMs: 3_600_000 });
    const root = source.current();
    source.close();
    return { ok: true, root };
  } catch (err) {
    return { ok: false, err };
  }
}

describe("fuzz: TUF metadata and targets (external mode's trusted root)", () => {
  it("the genuine repository yields the genuine trusted root", async () => {
    served = new Map(genuine);
    const r = await fetchRoot();
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.root).toEqual(trustedRoot);
  });

  it(`one changed byte in any served file is refused, or changes nothing (${RUNS} runs)`, async () => {
    const names = [...genuine.keys()];
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: names.length - 1 }), fc.nat(), fc.integer({ min: 1, max: 255 }), async (which, position, mask) => {
        const name = names[which]!;
        const bytes = Buffer.from(genuine.get(name)!);
        bytes[position % bytes.length]! ^= mask;
        served = new Map(genuine);
        served.set(name, bytes);
        const started = performance.now();
        const r = await fetchRoot();
        expect(performance.now() - started).toBeLessThan(10_000);
        if (r.ok) {
          expect(r.root).toEqual(trustedRoot);
        } else {
          refused++;
          expect(r.err).toBeInstanceOf(UnavailableError);
          expect((r.err as UnavailableError).component).toBe("tuf");
        }
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
    console.log(`[fuzz-tuf] ${RUNS} mutated repositories: ${refused} refused, ${RUNS - refused} yielded the genuine root unchanged`);
    expect(refused).toBeGreaterThan(0);
  }, 600_000);
});
