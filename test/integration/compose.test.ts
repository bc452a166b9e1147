/**
 * The composition root without a socket: `compose()` builds the routes on the real embedded stack,
 * and a Connect client calls them in-process (through the same interceptors) — Sign logs an entry
 * that GetTransparency then finds with its inclusion proof. And the one RPC table: in `mode:
 * sigstore` with a log that answers nothing through the port (Rekor v2 without a read URL), the
 * RPCs that need the log are refused with `unimplemented` and a hint, while the others are served.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { TrustService } from "@certus/trust-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/config.js";
import { TrustError } from "../../src/errors.js";
import { createLogger } from "../../src/logger.js";
import { compose, type ComposedService } from "../../src/server/compose.js";
import { HealthState } from "../../src/server/health.js";
import { assembleService, RPC_NEEDS, type TrustRpc } from "../../src/service/rpc-availability.js";
import { ExternalLogPort } from "../../src/sigstore/external/transparency-log.js";

const quiet = () => createLogger("silent", new Writable({ write: (_c, _e, cb) => cb() }));

describe("compose() without listening", () => {
  let dataDir: string;
  let app: ComposedService;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "certus-trust-compose-"));
    const config = resolveConfig({ "data-dir": dataDir, "verify-workers": "0" }, {});
    app = await compose(config, { url: "https://certus-trust.test", log: quiet(), health: new HealthState([TrustService.typeName]) });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("builds the embedded ports and routes that answer in-process", async () => {
    expect(app.ports.mode).toBe("embedded");
    expect(app.ports.log.capabilities.search).toBe(true);
    const client = createClient(TrustService, createRouterTransport(app.routes, { router: { interceptors: app.interceptors } }));
    const digest = `sha256:${createHash("sha256").update("composed\n").digest("hex")}`;
    const signed = await client.sign({ artifact: { digest } });
    expect(signed.entry?.uuid).toMatch(/^[0-9a-f]{64}$/);
    const found = await client.getTransparency({ digest });
    expect(found.entries.map((e) => e.uuid)).toEqual([signed.entry!.uuid]);
    // The checkpoint origin is the instance identity fixed at first start (no public URL: the default).
    expect(found.entries[0]!.inclusionProof?.checkpoint).toContain("certus-trust.local");
    const keys = await client.getKeys({});
    expect(keys.tuf?.url).toBe("https://certus-trust.test/tuf/");
  });
});

describe("the RPC table", () => {
  const log = new ExternalLogPort("https://rekor.example", 1);
  const served = (name: string) => () => name;
  // (Changed by issue #15: the Certus workflows run over the ports; only what needs the log's reads,
  // search or appends is refused by a log that answers nothing.)
  const withoutLog = ["sign", "verify", "getKeys", "legacySign", "getProvenance", "getReadiness"] as const;
  const impl = assembleService(Object.fromEntries(withoutLog.map((rpc) => [rpc, served(rpc)])), "sigstore", log);

  it("serves what needs no log reads in mode sigstore and refuses the rest with a hint", async () => {
    const refused = (Object.keys(RPC_NEEDS) as TrustRpc[]).filter((rpc) => !(withoutLog as readonly string[]).includes(rpc));
    expect(refused.sort()).toEqual(["getStats", "getTransparency", "verifyAndPermitUpload", "verifyChain", "watchCheckpoints"]);
    expect((impl.sign as unknown as () => string)()).toBe("sign");
    for (const rpc of refused) {
      const call = async () => {
        const r = (impl[rpc] as (...a: unknown[]) => unknown)({}, {});
        if (r && typeof (r as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") for await (const _ of r as AsyncIterable<unknown>);
        else await r;
      };
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, rpc).toBeInstanceOf(TrustError);
      expect((err as TrustError).code, rpc).toBe("UNIMPLEMENTED");
      expect((err as Error).message, rpc).toMatch(/is not available with mode "sigstore": \S/);
    }
    const err = await Promise.resolve()
      .then(() => (impl.getTransparency as (...a: unknown[]) => unknown)({}, {}))
      .catch((e: unknown) => e);
    expect((err as Error).message).toContain("https://rekor.example/api/v1/log");
  });

  it("refuses to start when a served RPC has no handler", () => {
    expect(() => assembleService({}, "embedded", log)).toThrow(/no handler for Sign/);
  });
});
