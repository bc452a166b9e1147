/**
 * The web console (/ui/) in a real browser against a real server: what a person sees — the log
 * size updating live after a new signature, a digest search showing the entry and its inclusion
 * proof, the verify form's verdict for a good and a tampered bundle — under the console's strict
 * CSP; and the TypeScript SDK scenario run inside a page over connect-web. Skips, saying why, when
 * chromium is not installed (fails instead in CI, where scripts/setup-test-tools.mjs installs it). Leaves test-results/console.png.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as esbuild from "esbuild";
import type { Page } from "playwright-core";
import { UI_CONTENT_SECURITY_POLICY } from "../../src/server/ui.js";
import { skipReason } from "../helpers/requirement.js";
import { REPO_ROOT, startTestServer, type TestServer } from "../helpers/server.js";
import { chromiumMissing, launchChromium, type Chromium } from "./chromium.js";
import type { ScenarioReport } from "./sdk-scenario.js";
// @ts-expect-error: a plain ES module script without type declarations
import { buildUi, uiIsStale } from "../../scripts/build-ui.mjs";

const missing = skipReason("browser/console", chromiumMissing());

/** How long a person would wait for something to appear, in milliseconds. */
const UI_TIMEOUT_MS = 15_000;

let srv: TestServer;
let browser: Chromium;
let scenarioBundle: string;

interface Signed {
  bundle: Record<string, unknown>;
  entry: { logIndex: string };
  signer: { subject: string; issuer: string };
}

const digestOf = (n: number) => `sha256:${n.toString(16).padStart(2, "0").repeat(32)}`;

async function sign(digest: string): Promise<Signed> {
  const res = await fetch(`${srv.url}/v1/sign`, { method: "POST", body: JSON.stringify({ artifact: { digest, uri: "s3://certus-artifacts/scans/ui.json" } }) });
  expect(res.status).toBe(200);
  return (await res.json()) as Signed;
}

/**
 * Collects what would show in the browser console as an error (CSP and Trusted Types violations
 * too), except the network log line of an answer a step provokes on purpose (a 400 for a bad digest).
 */
function watchErrors(page: Page, expectedStatuses: readonly number[] = []): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    const expected = expectedStatuses.some((s) => m.text().startsWith(`Failed to load resource: the server responded with a status of ${s} `));
    if (m.type() === "error" && !expected) errors.push(`console: ${m.text()}`);
  });
  return errors;
}

describe.skipIf(missing !== undefined)("web console in chromium", () => {
  beforeAll(async () => {
    if (uiIsStale()) await buildUi();
    const built = await esbuild.build({
      entryPoints: [join(import.meta.dirname, "sdk-scenario.entry.ts")],
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      target: ["es2022"],
      absWorkingDir: REPO_ROOT,
      logLevel: "warning",
    });
    scenarioBundle = built.outputFiles[0]!.text;
    srv = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it("serves the console with content types, caching headers and a strict CSP", async () => {
    const page = await fetch(`${srv.url}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("cache-control")).toBe("no-cache");
    expect(page.headers.get("content-security-policy")).toBe(UI_CONTENT_SECURITY_POLICY);
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await page.text();
    const script = /src="(console-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${srv.url}/ui/${script}`);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const again = await fetch(`${srv.url}/ui/${script}`, { headers: { "if-none-match": js.headers.get("etag")! } });
    expect(again.status).toBe(304);
    expect((await fetch(`${srv.url}/ui`, { redirect: "manual" })).headers.get("location")).toBe("/ui/");
    expect((await fetch(`${srv.url}/ui/../package.json`)).status).toBe(404);
    expect((await fetch(`${srv.url}/ui/`, { method: "POST" })).status).toBe(405);
  });

  it("shows the log growing live, finds an entry with its proof, and verifies a good and a tampered bundle", async () => {
    const first = await sign(digestOf(1));
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${srv.url}/ui/`);

    // The log size comes over WatchCheckpoints and moves when something new is signed.
    const size = page.locator("#log-size");
    await expect.poll(async () => Number(await size.textContent()), { timeout: UI_TIMEOUT_MS }).toBeGreaterThan(Number(first.entry.logIndex));
    const before = Number(await size.textContent());
    const second = await sign(digestOf(2));
    await expect.poll(async () => Number(await size.textContent()), { timeout: UI_TIMEOUT_MS }).toBeGreaterThan(Number(second.entry.logIndex));
    expect(Number(await size.textContent())).toBeGreaterThan(before);
    expect(await page.locator("#stream-status").textContent()).toContain("live");

    // A digest search shows the entry and its inclusion proof, checked in the page.
    await page.fill("#search-q", digestOf(2));
    await page.click("#search-form button[type=submit]");
    const entry = page.locator(`article.entry[data-log-index="${second.entry.logIndex}"]`);
    await entry.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await entry.locator("h3").textContent()).toBe(`Entry ${second.entry.logIndex}`);
    expect(await entry.locator(".proof h4").textContent()).toBe("Inclusion proof");
    expect(await entry.locator(".proof-check").textContent()).toContain("✓ proof checked in this browser");
    expect(await page.locator("#search-status").textContent()).toBe("1 entry");

    // The verify form: the good bundle verifies; a tampered one shows why not.
    await page.fill("#verify-bundle", JSON.stringify(second.bundle));
    await page.fill("#verify-digest", digestOf(2));
    await page.fill("#verify-subject", second.signer.subject);
    await page.fill("#verify-issuer", second.signer.issuer);
    await page.click("#verify-form button[type=submit]");
    const verdict = page.locator("#verify-result .verdict");
    await expect.poll(() => verdict.getAttribute("data-verdict"), { timeout: UI_TIMEOUT_MS }).toBe("verified");
    expect(await verdict.textContent()).toBe("✓ verified");
    await page.screenshot({ path: screenshotPath(), fullPage: true });

    const bad = structuredClone(second.bundle) as { dsseEnvelope: { signatures: Array<{ sig: string }> } };
    const sig = Buffer.from(bad.dsseEnvelope.signatures[0]!.sig, "base64");
    sig[sig.length >> 1]! ^= 0x01;
    bad.dsseEnvelope.signatures[0]!.sig = sig.toString("base64");
    await page.fill("#verify-bundle", JSON.stringify(bad));
    await page.click("#verify-form button[type=submit]");
    await expect.poll(() => verdict.getAttribute("data-verdict"), { timeout: UI_TIMEOUT_MS }).toBe("not-verified");
    expect(await verdict.textContent()).toBe("✗ not verified");
    expect(await page.locator("#verify-result li[data-code=SIGNATURE_INVALID]").count()).toBe(1);

    // Something that is not a bundle is the person's mistake, said as such.
    await page.fill("#verify-bundle", "not json");
    await page.click("#verify-form button[type=submit]");
    await expect.poll(() => verdict.getAttribute("data-verdict"), { timeout: UI_TIMEOUT_MS }).toBe("error");
    expect(await verdict.textContent()).toBe("Cannot verify (invalid_argument)");

    expect(errors).toEqual([]);
    await page.close();
  });

  it.each([
    ["connect", "json"],
    ["grpc-web", "binary"],
  ] as const)("runs the SDK scenario in a page over connect-web (%s, %s) under the console's CSP", async (protocol, encoding) => {
    const page = await browser.context.newPage();
    const errors = watchErrors(page, [400]);
    // A same-origin test page with the console's own policy; the RPCs go to the real server.
    await page.route(`${srv.url}/__sdk-test/**`, (route) => {
      const js = route.request().url().endsWith(".js");
      return route.fulfill({
        status: 200,
        headers: { "content-type": js ? "text/javascript" : "text/html", "content-security-policy": UI_CONTENT_SECURITY_POLICY },
        body: js ? scenarioBundle : '<!doctype html><title>sdk</title><script type="module" src="/__sdk-test/scenario.js"></script>',
      });
    });
    await page.goto(`${srv.url}/__sdk-test/index.html`);
    await page.waitForFunction(() => typeof globalThis.certusSdkScenario === "function", undefined, { timeout: UI_TIMEOUT_MS });
    const report: ScenarioReport = await page.evaluate(([base, p, e]) => globalThis.certusSdkScenario(base, p, e), [srv.url, protocol, encoding] as const);
    expect(report.verified).toBe(true);
    expect(report.tamperedVerified).toBe(false);
    expect(report.tamperedCodes).toContain("SIGNATURE_INVALID");
    expect(report.expectVerifiedCode).toBe("failed_precondition");
    expect(BigInt(report.watchedAfter)).toBeGreaterThan(BigInt(report.logIndex));
    expect(BigInt(report.proofTreeSize)).toBeGreaterThan(BigInt(report.logIndex));
    expect(report.keys).toContain("TLOG");
    expect(report.badDigestCode).toBe("invalid_argument");
    expect(report.badDigestFields).toContain("artifact.digest");
    expect(errors).toEqual([]);
    await page.close();
  });
});

function screenshotPath(): string {
  const dir = join(REPO_ROOT, "test-results");
  mkdirSync(dir, { recursive: true });
  return join(dir, "console.png");
}

describe.skipIf(missing !== undefined)("web console against a service that requires an API key", () => {
  let authed: TestServer;
  let chromium: Chromium;
  let apiKey: string;
  beforeAll(async () => {
    if (uiIsStale()) await buildUi();
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const { tempDir } = await import("../helpers/server.js");
    const dataDir = tempDir("certus-ui-auth-");
    const created = await promisify(execFile)(process.execPath, [
      join(REPO_ROOT, "bin/certus-trust.js"),
      "apikey",
      "create",
      "--name",
      "console",
      "--scopes",
      "read,verify",
      "--data-dir",
      dataDir,
      "--output",
      "json",
    ]);
    apiKey = (JSON.parse(created.stdout) as { key: string }).key;
    authed = await startTestServer({ auth: "api-key" }, dataDir);
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await authed?.stop();
  });

  it("says unauthenticated without a key, and goes live once the key is entered", async () => {
    const page = await chromium.context.newPage();
    await page.goto(`${authed.url}/ui/`);
    const status = page.locator("#stream-status");
    await expect.poll(async () => (await status.textContent()) ?? "", { timeout: UI_TIMEOUT_MS }).toMatch(/unauthenticated|API key/i);
    await page.fill("#api-key", apiKey);
    await Promise.all([page.waitForEvent("load"), page.click("#key-form button[type=submit]")]);
    await expect.poll(async () => (await page.locator("#stream-status").textContent()) ?? "", { timeout: UI_TIMEOUT_MS }).toContain("live");
    expect(await page.locator("#key-status").textContent()).toContain("is set");
    // The key is kept for this tab only, and never shown back.
    expect(await page.locator("#api-key").inputValue()).toBe("");
    expect(await page.evaluate(() => (globalThis as unknown as { localStorage: { length: number } }).localStorage.length)).toBe(0);
  });
});
