/**
 * Fulcio v2 REST API (sigstore/fulcio fulcio.proto, grpc-gateway JSON) over the embedded CA:
 *
 *   POST /api/v2/signingCert   credentials.oidcIdentityToken (or `Authorization: Bearer`) + publicKeyRequest{publicKey{algorithm,
 *                              content}, proofOfPossession} or certificateSigningRequest (base64 PEM)
 *                              → 200 {signedCertificateEmbeddedSct: {chain: {certificates: [leaf,
 *                              intermediate, root]}}}: the leaf embeds the SCT of the embedded CT
 *                              log, as Fulcio's does (`signedCertificateDetachedSct` only for a CA
 *                              without a CT log)
 *   GET  /api/v2/trustBundle   → {chains: [{certificates: [intermediate, root]}]}
 *   GET  /api/v2/configuration → {issuers: [{issuerUrl, audience, challengeClaim}]}
 *
 * The token is verified against the configured issuers (src/oidc); the certificate's SAN is the
 * issuer's identity claim and its OIDC issuer extension the token's `iss`. The proof of
 * possession is a signature over that same claim's value, as Fulcio defines it. With no issuer
 * configured the endpoint refuses every request (403). Errors: `{code: <gRPC code>, message, details}`.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { InvalidArgumentError } from "../../errors.js";
import { OidcTokenError, type OidcTokenVerifier } from "../../oidc/index.js";
import type { EmbeddedStack } from "../embedded/stack.js";
import { CompatHttpError, parseJsonBody, readBody, sendJson, type Req, type Res } from "./http.js";
import { parseVerifier, verifyMessage } from "../verify/verifier-key.js";

/** Largest signingCert request, in bytes (a token plus a key or CSR is a few KiB). */
const MAX_REQUEST_BYTES = 64 * 1024;

const bad = (message: string) => new CompatHttpError(400, message);

function field(obj: unknown, name: string): unknown {
  return typeof obj === "object" && obj !== null && !Array.isArray(obj) ? (obj as Record<string, unknown>)[name] : undefined;
}

/** The key to certify and how its possession is proven. */
type KeyProof = { kind: "publicKey"; spki: Buffer; verify: (challenge: string) => boolean } | { kind: "csr"; spki: Buffer };

async function keyProofOf(request: unknown): Promise<KeyProof> {
  const pkr = field(request, "publicKeyRequest");
  const csr = field(request, "certificateSigningRequest");
  if ((pkr === undefined) === (csr === undefined)) throw bad("give exactly one of publicKeyRequest and certificateSigningRequest");
  if (csr !== undefined) {
    if (typeof csr !== "string" || csr.length > MAX_REQUEST_BYTES) throw bad("certificateSigningRequest must be base64 of a PEM CSR");
    let parsed: x509.Pkcs10CertificateRequest;
    try {
      const text = Buffer.from(csr, "base64").toString("latin1");
      parsed = new x509.Pkcs10CertificateRequest(text.includes("-----BEGIN") ? text : Buffer.from(csr, "base64"));
    } catch {
      throw bad("certificateSigningRequest could not be parsed");
    }
    // The CSR's self-signature is the proof of possession.
    let valid: boolean;
    try {
      valid = await parsed.verify();
    } catch {
      valid = false;
    }
    if (!valid) throw bad("the certificate signing request's signature does not verify");
    return { kind: "csr", spki: Buffer.from(parsed.publicKey.rawData) };
  }
  const content = field(field(pkr, "publicKey"), "content");
  if (typeof content !== "string" || content.length === 0) throw bad("publicKeyRequest.publicKey.content is required");
  const parsed = parseVerifier(content.includes("-----BEGIN") ? content : Buffer.from(content, "base64"));
  if ("problem" in parsed || parsed.certificate !== undefined)
    throw bad(`publicKeyRequest.publicKey.content: ${"problem" in parsed ? parsed.problem : "must be a public key"}`);
  const pop = field(pkr, "proofOfPossession");
  if (typeof pop !== "string" || pop.length === 0 || pop.length > 4096) throw bad("publicKeyRequest.proofOfPossession is required (base64 signature)");
  const signature = Buffer.from(pop, "base64");
  return {
    kind: "publicKey",
    spki: parsed.key.export({ format: "der", type: "spki" }),
    verify: (challenge) => verifyMessage(parsed.key, Buffer.from(challenge, "utf8"), signature),
  };
}

/** Fulcio's statuses for refused tokens: unusable or untrusted credentials are 401; an unreachable issuer 503. */
function tokenError(err: OidcTokenError): CompatHttpError {
  if (err.reason === "ISSUER_UNAVAILABLE")
    return new CompatHttpError(503, "the identity token's issuer could not be reached; retry later", { "retry-after": "5" });
  return new CompatHttpError(401, `there was an error processing the identity token: ${err.message}`);
}

export function createFulcioRoutes(stack: EmbeddedStack, verifier: OidcTokenVerifier) {
  async function signingCert(req: Req, res: Res): Promise<void> {
    if (!verifier.enabled) {
      throw new CompatHttpError(403, "no OIDC issuer is configured on this service; set oidcIssuers to issue certificates");
    }
    const request = parseJsonBody(await readBody(req, MAX_REQUEST_BYTES));
    // The token travels in the body (sigstore-js, cosign's legacy client) or, as Fulcio also
    // accepts, as a bearer token (sigstore-go, cosign v3 with a signing config).
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers["authorization"] ?? "")?.[1];
    const token = field(field(request, "credentials"), "oidcIdentityToken") ?? bearer;
    if (typeof token !== "string" || token.length === 0) throw new CompatHttpError(401, "credentials.oidcIdentityToken is required");
    const proof = await keyProofOf(request);
    let identity;
    try {
      identity = await verifier.verify(token);
    } catch (err) {
      if (err instanceof OidcTokenError) throw tokenError(err);
      throw err;
    }
    if (proof.kind === "publicKey" && !proof.verify(identity.identity)) {
      throw bad(`the proof of possession does not verify: it must be a signature over the token's ${identity.identityClaim} claim`);
    }
    let issued;
    try {
      issued = await stack.ca.issueLeaf({ publicKey: proof.spki, identity: identity.identity, oidcIssuer: identity.issuer });
    } catch (err) {
      if (err instanceof InvalidArgumentError) throw bad(err.message);
      throw err;
    }
    const chain = { chain: { certificates: [issued.certificatePem, ...stack.ca.chainPem()] } };
    sendJson(res, 200, issued.embeddedSct ? { signedCertificateEmbeddedSct: chain } : { signedCertificateDetachedSct: chain });
  }

  return async function route(req: Req, res: Res, url: URL): Promise<boolean> {
    const get = () => {
      if (req.method !== "GET" && req.method !== "HEAD") throw new CompatHttpError(405, `${req.method} is not allowed on ${url.pathname}`, { allow: "GET" });
    };
    switch (url.pathname) {
      case "/api/v2/signingCert":
        if (req.method !== "POST") throw new CompatHttpError(405, `${req.method} is not allowed on ${url.pathname}`, { allow: "POST" });
        await signingCert(req, res);
        return true;
      case "/api/v2/trustBundle":
        get();
        sendJson(res, 200, { chains: stack.caGenerations.map((g) => ({ certificates: g.authority.chainPem() })) });
        return true;
      case "/api/v2/configuration":
        get();
        sendJson(res, 200, {
          issuers: verifier.issuers.map((i) => ({
            issuerUrl: i.issuer,
            audience: i.audience,
            challengeClaim: i.identityClaim,
            issuerType: i.identityClaim === "email" ? "email" : "uri",
          })),
        });
        return true;
      default:
        return false;
    }
  };
}
