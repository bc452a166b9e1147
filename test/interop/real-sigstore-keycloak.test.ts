/**
 * Keycloak as the real OIDC provider of real Fulcio: Keycloak 26.7.3 (test/helpers/keycloak.ts)
 * with the realm docker-compose.yml imports (deploy/keycloak/certus-realm.json), and the real
 * Sigstore stack (test/helpers/sigstore-stack.ts) with Fulcio trusting that realm as its issuer.
 *
 * - The service in `mode: sigstore` gets its OIDC token from Keycloak by the client-credentials
 *   grant (client `certus-trust`, secret from deploy/keycloak/certus-trust-client-secret.txt) and
 *   signs; the bundle verifies in our Verify, unmodified `@sigstore/verify` and `cosign
 *   verify-blob` with the identity Keycloak asserted (the service account's verified email).
 * - The same service authenticates its callers by Keycloak tokens (`--auth oidc`): a
 *   `certus-assurance` token (audience `certus-trust`) is accepted, the same token with its
 *   payload or signature altered is refused (`unauthenticated`), and so is a token for another
 *   audience.
 * - A Keycloak client whose service account's email is not verified (added to a copy of the realm
 *   for this test only): Fulcio refuses its tokens, and a service signing with it answers a clear
 *   `unavailable` naming Fulcio's refusal, not an internal error.
 *
 * When Keycloak or the Sigstore servers are missing, the tests fail with CI=true and skip
 * (saying why) otherwise.
 */
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { Verifier, toSignedEntity, toTrustMaterial } from "@sigstore/verify";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs script without declarations
import { COSIGN_VERSION, cosignPath, installedVersion } from "../../scripts/setup-cosign.mjs";
import { KEYCLOAK_VERSION, keycloakMissing, startKeycloak, type TestKeycloak } from "../helpers/keycloak.js";
import { skipReason } from "../helpers/requirement.js";
import { REPO_ROOT, startTestServer, type TestServer } from "../helpers/server.js";
import { realSigstoreMissing, startRealSigstoreWhenFree, type RealSigstoreStack } from "../helpers/sigstore-stack.js";
import { cosign } from "../helpers/sigstore-service.js";
import type { WireJson } from "../helpers/wire-json.js";

const missing = skipReason("interop/real-sigstore-keycloak", keycloakMissing() ?? realSigstoreMissing());
const COSIGN: string = cosignPath();
const cosignMissing = skipReason(
  "interop/real-sigstore-keycloak cosign",
  installedVersion(COSIGN) === COSIGN_VERSION ? undefined : `cosign ${COSIGN_VERSION} is not built`,
);

/** The realm's service accounts (deploy/keycloak/certus-realm.json). */
const TRUST_CLIENT = "certus-trust";
const TRUST_SECRET_FILE = join(REPO_ROOT, "deploy", "keycloak", "certus-trust-client-secret.txt");
const IDENTITY = "certus-trust@certus.cloud";
const ASSURANCE_CLIENT = "certus-assurance";
const ASSURANCE_SECRET = "certus-assurance-dev-secret-change-me-0123456789";
/** Added to this test's copy of the realm only: a service account whose email is not verified. */
const UNVERIFIED_CLIENT = "certus-unverified";
const UNVERIFIED_SECRET = "certus-unverified-test-secret-0123456789abcdef";

let kc: TestKeycloak;
let stack: RealSigstoreStack;
let svc: TestServer;
let dir: string;

beforeAll(async () => {
  if (missing) return;
  kc = await startKeycloak({
    realm(realm) {
      const trust = realm.clients.find((c) => c["clientId"] === TRUST_CLIENT)!;
      realm.clients.push({
        ...trust,
        clientId: UNVERIFIED_CLIENT,
        name: UNVERIFIED_CLIENT,
        description: "test only: its service account's email is not verified",
        secret: UNVERIFIED_SECRET,
      });
      realm.users = [
        ...(realm.users ?? []),
        {
          username: `service-account-${UNVERIFIED_CLIENT}`,
          enabled: true,
          email: "unverified@certus.cloud",
          emailVerified: false,
          serviceAccountClientId: UNVERIFIED_CLIENT,
        },
      ];
    },
  });
  stack = await startRealSigstoreWhenFree({ oidcIssuer: kc.issuer });
  dir = mkdtempSync(join(tmpdir(), "real-sigstore-keycloak-"));
  const rules = join(dir, "auth-rules.yaml");
  writeFileSync(rules, ["oidc:", `  - issuer: ${kc.issuer}`, `    claims: { azp: ${ASSURANCE_CLIENT} }`, "    scopes: [sign, verify, read]", ""].join("\n"));
  svc = await startTestServer(serviceFlags(TRUST_CLIENT, TRUST_SECRET_FILE, IDENTITY, { auth: "oidc", "auth-oidc-issuers": kc.issuer, "auth-rules": rules }));
}, 720_000);

afterAll(async () => {
  await svc?.stop();
  await stack?.stop();
  await kc?.stop();
});

function serviceFlags(clientId: string, secretFile: string, identity: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    mode: "sigstore",
    "fulcio-url": stack.fulcioUrl,
    "rekor-url": stack.rekorUrl,
    "rekor-version": "2",
    "rekor-read-url": stack.rekorReadUrl,
    "tsa-url": stack.tsaUrl,
    "trusted-root-file": stack.trustedRootFile,
    "oidc-token-url": kc.tokenUrl,
    "oidc-client-id": clientId,
    "oidc-client-secret-file": secretFile,
    identity,
    issuer: kc.issuer,
    "upstream-deadline-ms": "5000",
    "verify-workers": "0",
    ...extra,
  };
}

async function callerToken(): Promise<string> {
  return (await kc.clientCredentials(ASSURANCE_CLIENT, ASSURANCE_SECRET)).access_token;
}

async function call(base: string, path: string, body: unknown, token?: string): Promise<{ status: number; json: WireJson; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as WireJson, headers: res.headers };
}

const artifactOf = (text: string) => {
  const content = Buffer.from(text);
  return { content, digest: `sha256:${createHash("sha256").update(content).digest("hex")}` };
};

/** Alters one character of a JWT part (0 header, 1 payload, 2 signature), keeping it well formed. */
function tamper(token: string, part: 1 | 2): string {
  const parts = token.split(".");
  if (part === 1) {
    const claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString()) as Record<string, unknown>;
    claims["azp"] = ASSURANCE_CLIENT;
    claims["email"] = "someone-else@certus.cloud";
    parts[1] = Buffer.from(JSON.stringify(claims)).toString("base64url");
  } else {
    const sig = Buffer.from(parts[2]!, "base64url");
    sig[sig.length >> 1]! ^= 0x01;
    parts[2] = sig.toString("base64url");
  }
  return parts.join(".");
}

describe.skipIf(missing !== undefined)(`Keycloak ${KEYCLOAK_VERSION as string} as the OIDC provider of real Fulcio`, () => {
  it("the realm's client-credentials tokens carry a verified email (what Fulcio needs for an email identity)", async () => {
    const claims = decodeJwt((await kc.clientCredentials(TRUST_CLIENT, readFileSync(TRUST_SECRET_FILE, "utf8").trim())).access_token);
    expect(claims).toMatchObject({ iss: kc.issuer, aud: "sigstore", email: IDENTITY, email_verified: true });
  });

  it("the service signs with a Keycloak token (client credentials); our Verify, @sigstore/verify and cosign accept the identity Keycloak asserted", async () => {
    const token = await callerToken();
    const artifact = artifactOf(`keycloak-signed-${Date.now()}`);
    const r = await call(svc.url, "/v1/sign", { artifact: { digest: artifact.digest }, format: "SIGNATURE_FORMAT_MESSAGE_SIGNATURE" }, token);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.signer).toEqual({ subject: IDENTITY, issuer: kc.issuer });
    // Fulcio's certificate names the email Keycloak asserted, and the issuer.
    const leaf = new X509Certificate(Buffer.from(r.json.bundle.verificationMaterial.certificate.rawBytes as string, "base64"));
    expect(leaf.subjectAltName).toBe(`email:${IDENTITY}`);

    const verdict = await call(
      svc.url,
      "/v1/verify",
      { artifact: { digest: artifact.digest }, bundle: r.json.bundle, expectedSigner: { subject: IDENTITY, issuer: kc.issuer } },
      token,
    );
    expect(verdict.json.verified, JSON.stringify(verdict.json.failures)).toBe(true);
    const wrong = await call(
      svc.url,
      "/v1/verify",
      { artifact: { digest: artifact.digest }, bundle: r.json.bundle, expectedSigner: { subject: "certus-assurance@certus.cloud", issuer: kc.issuer } },
      token,
    );
    expect(wrong.json.verified).toBe(false);

    const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(stack.trustedRoot)), { ctlogThreshold: 1, tlogThreshold: 1, timestampThreshold: 1 });
    const entity = toSignedEntity(bundleFromJSON(r.json.bundle), artifact.content);
    verifier.verify(entity, { subjectAlternativeName: IDENTITY, extensions: { issuer: kc.issuer } });
    expect(() => verifier.verify(entity, { subjectAlternativeName: IDENTITY, extensions: { issuer: "https://accounts.example.com" } })).toThrow();

    if (cosignMissing === undefined) {
      const work = mkdtempSync(join(tmpdir(), "real-sigstore-keycloak-cosign-"));
      writeFileSync(join(work, "bundle.json"), JSON.stringify(r.json.bundle));
      writeFileSync(join(work, "artifact"), artifact.content);
      const args = ["verify-blob", "--bundle", join(work, "bundle.json"), "--trusted-root", stack.trustedRootFile, "--certificate-oidc-issuer", kc.issuer];
      const ok = await cosign([...args, "--certificate-identity", IDENTITY, join(work, "artifact")], work);
      expect(ok.status, ok.out).toBe(0);
      const other = await cosign([...args, "--certificate-identity", "certus-assurance@certus.cloud", join(work, "artifact")], work);
      expect(other.status, other.out).not.toBe(0);
    }
  });

  it("callers authenticate with Keycloak tokens (--auth oidc): a real one is accepted, a tampered one or one for another audience is refused", async () => {
    const token = await callerToken();
    const artifact = artifactOf(`keycloak-caller-${Date.now()}`);
    const body = { artifact: { digest: artifact.digest }, format: "SIGNATURE_FORMAT_DSSE" };
    const ok = await call(svc.url, "/v1/sign", body, token);
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);

    for (const [what, bad] of [
      ["payload altered", tamper(token, 1)],
      ["signature altered", tamper(token, 2)],
      ["no token", undefined],
    ] as const) {
      const r = await call(svc.url, "/v1/sign", body, bad);
      expect(r.status, `${what}: ${JSON.stringify(r.json)}`).toBe(401);
      expect(r.json.code, what).toBe("unauthenticated");
    }
    // A real Keycloak token for Fulcio (aud sigstore), not for this service.
    const sigstoreOnly = (await kc.clientCredentials(TRUST_CLIENT, readFileSync(TRUST_SECRET_FILE, "utf8").trim())).access_token;
    const r = await call(svc.url, "/v1/sign", body, sigstoreOnly);
    expect(r.status, JSON.stringify(r.json)).toBe(401);
    expect(r.json.code).toBe("unauthenticated");
  });

  it("a Keycloak client whose email is not verified: Fulcio refuses its token, and the service answers a clear error, not an internal one", async () => {
    const claims = decodeJwt((await kc.clientCredentials(UNVERIFIED_CLIENT, UNVERIFIED_SECRET)).access_token);
    expect(claims).toMatchObject({ iss: kc.issuer, aud: "sigstore", email: "unverified@certus.cloud", email_verified: false });
    const secretFile = join(dir, "unverified-secret");
    writeFileSync(secretFile, UNVERIFIED_SECRET, { mode: 0o600 });
    const bad = await startTestServer(serviceFlags(UNVERIFIED_CLIENT, secretFile, "unverified@certus.cloud"));
    try {
      const artifact = artifactOf(`keycloak-unverified-${Date.now()}`);
      const r = await call(bad.url, "/v1/sign", { artifact: { digest: artifact.digest }, format: "SIGNATURE_FORMAT_DSSE" });
      expect(r.status, JSON.stringify(r.json)).toBe(503);
      expect(r.json.code).toBe("unavailable");
      // Fulcio tells the client only that the token could not be processed (HTTP 400), and logs why.
      expect(r.json.message).toMatch(/^fulcio: refused the service's identity token \(HTTP 400: .*error processing the identity token/);
      expect(stack.output("fulcio")).toContain("email_verified claim was false");
      expect(r.json.bundle).toBeUndefined();
      // The service keeps running and says so again on the next call.
      const again = await call(bad.url, "/v1/sign", { artifact: { digest: artifact.digest }, format: "SIGNATURE_FORMAT_DSSE" });
      expect(again.json.code).toBe("unavailable");
      expect((await fetch(`${bad.url}/healthz`)).status).toBe(200);
    } finally {
      await bad.stop();
    }
  });
});
