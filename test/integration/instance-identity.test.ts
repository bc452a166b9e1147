/**
 * A stable identity: the service's signing issuer is fixed at first start (instance.json), so a
 * restart on another port changes nothing a verifier checks; changing it takes an explicit
 * `--issuer` and is logged.
 */
import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stockVerify } from "../helpers/sigstore.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import type { WireJson } from "../helpers/wire-json.js";

const SERVICE = "certus-trust@certus.cloud";
const bytes = Buffer.from("the artifact of the stable-identity test\n");
const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const dataDir = tempDir("certus-trust-identity-");
let srv: TestServer | undefined;

afterAll(async () => {
  await srv?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<WireJson> {
  const res = await fetch(`${srv!.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return res.json();
}

const recorded = () => (JSON.parse(readFileSync(join(dataDir, "instance.json"), "utf8")) as { issuer: string }).issuer;

describe("stable service identity across restarts", () => {
  it("bundles signed before a restart on another port verify with the signer from before; --issuer changes it, logged", async () => {
    srv = await startTestServer({}, dataDir);
    const firstUrl = srv.url;
    const firstPort = srv.port;
    expect(recorded()).toBe(firstUrl);
    expect(srv.logs.some((l) => l.includes("service signing issuer recorded"))).toBe(true);
    const dsse = (await post("/v1/sign", { artifact: { digest } })).bundle;
    const message = (await post("/v1/sign", { artifact: { digest }, format: "SIGNATURE_FORMAT_MESSAGE_SIGNATURE" })).bundle;
    const before = { subject: SERVICE, issuer: firstUrl };
    await srv.server.close();

    // Another port (ephemeral, not the first one), same data directory.
    srv = await startTestServer({}, dataDir);
    expect(srv.port).not.toBe(firstPort);
    expect(recorded()).toBe(firstUrl);
    for (const bundle of [dsse, message]) {
      const verdict = await post("/v1/verify", { artifact: { digest }, bundle, expectedSigner: before });
      expect(verdict.verified, JSON.stringify(verdict.failures)).toBe(true);
    }
    const root = ((await (await fetch(`${srv.url}/v1/keys`)).json()) as { trustedRoot: unknown }).trustedRoot;
    stockVerify(root, message, bytes, { subjectAlternativeName: SERVICE, extensions: { issuer: firstUrl } });
    // New signatures keep the recorded issuer, not the new listen URL.
    expect((await post("/v1/sign", { artifact: { digest } })).signer).toEqual(before);
    await srv.server.close();

    // An explicit --issuer changes it, says so in the log, and is kept from then on.
    srv = await startTestServer({ issuer: "https://trust.example.com" }, dataDir);
    expect(srv.logs.some((l) => l.includes("service signing issuer changed") && l.includes(firstUrl) && l.includes("https://trust.example.com"))).toBe(true);
    expect((await post("/v1/sign", { artifact: { digest } })).signer).toEqual({ subject: SERVICE, issuer: "https://trust.example.com" });
    const old = await post("/v1/verify", { artifact: { digest }, bundle: dsse, expectedSigner: before });
    expect(old.verified, JSON.stringify(old.failures)).toBe(true);
    await srv.server.close();
    srv = await startTestServer({}, dataDir);
    expect(recorded()).toBe("https://trust.example.com");
    expect((await post("/v1/sign", { artifact: { digest } })).signer).toEqual({ subject: SERVICE, issuer: "https://trust.example.com" });
  });
});
