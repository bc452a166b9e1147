/**
 * A real OpenID Connect provider for tests: `oidc-provider` (the certified implementation) on an
 * ephemeral loopback port, with discovery, a JWKS and a token endpoint, issuing genuine ID tokens
 * through a real OIDC flow.
 *
 * Tokens are minted with Client-Initiated Backchannel Authentication (OpenID CIBA Core, poll mode),
 * the one standard flow that needs no browser: the test client POSTs `/backchannel` with a
 * `login_hint` naming a test account, the provider's "authentication device" approves at once
 * (it creates the grant and calls `provider.backchannelResult`), and the client redeems the
 * `auth_req_id` at `/token` for an ID token (plus access and client-credentials tokens if wanted).
 * The ID token is signed with the provider's own key (RS256 by default, as Google, GitHub and most
 * public issuers do; cosign only takes a raw `--identity-token` that parses as RS256 and treats
 * anything else as a file path) and verifies against the provider's served JWKS.
 *
 * ```ts
 * const idp = await startOidcProvider();              // issuer http://127.0.0.1:<port>
 * const token = await idp.mintIdToken({ email: "alice@example.com" });
 * // aud = "sigstore" (the default client), email_verified = true, exp = now + 10 min
 * await idp.stop();
 * ```
 *
 * Options: `clients` adds clients (each gets CIBA and client_credentials), `idTokenTtlSec` sets
 * the lifetime. `mintIdToken({ clientId })` picks the audience; `{ sub }` mints a token whose
 * subject is a URI (for `identityClaim: "sub"` issuers); `{ emailVerified: false }` an unverified
 * address. `clientCredentialsToken()` gets a JWT access token through the client_credentials grant
 * (for bearer-token authentication tests; its audience is `resource`).
 */
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
// oidc-provider ships no type declarations; the surface used here is small and checked by tests.
import Provider from "oidc-provider";
import type { WireJson } from "./wire-json.js";

/** A client registered with the test provider. */
export interface TestOidcClient {
  clientId: string;
  clientSecret: string;
}

export interface OidcProviderOptions {
  /** Extra clients besides the default `sigstore` client. */
  clients?: TestOidcClient[];
  /** ID token lifetime in seconds. Default 600. */
  idTokenTtlSec?: number;
  /** Signature algorithm of ID tokens and JWT access tokens: "RS256" (default) or "ES256". */
  alg?: "RS256" | "ES256";
  /** Resource indicator for client_credentials JWT access tokens. Default "urn:certus-trust:api". */
  resource?: string;
}

/** What to put in a minted ID token. */
export interface MintRequest {
  /** The `email` claim; the account's `sub` defaults to a stable value derived from it. */
  email?: string;
  /** The `sub` claim (e.g. a URI identity). Required when `email` is absent. */
  sub?: string;
  /** The `email_verified` claim. Default true. */
  emailVerified?: boolean;
  /** The client the token is for (its `aud`). Default "sigstore". */
  clientId?: string;
}

export interface TestOidcProvider {
  /** The issuer URL (`iss` of every token), `http://127.0.0.1:<port>`. */
  readonly issuer: string;
  /** The default client: `sigstore` (Fulcio's audience). */
  readonly defaultClient: TestOidcClient;
  /** Mints an ID token through the CIBA flow. */
  mintIdToken(request: MintRequest): Promise<string>;
  /** A JWT access token from the client_credentials grant, for bearer-token tests. */
  clientCredentialsToken(client?: TestOidcClient, scope?: string): Promise<string>;
  /** Number of times the JWKS was served (to observe caching). */
  readonly jwksRequests: number;
  stop(): Promise<void>;
}

const CIBA_GRANT = "urn:openid:params:grant-type:ciba";

interface Account {
  sub: string;
  email?: string;
  emailVerified: boolean;
}

/** Starts the provider on 127.0.0.1 with an ephemeral port. */
export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<TestOidcProvider> {
  const defaultClient: TestOidcClient = { clientId: "sigstore", clientSecret: `secret-${randomUUID()}` };
  const clients = [defaultClient, ...(options.clients ?? [])];
  const resource = options.resource ?? "urn:certus-trust:api";
  const accounts = new Map<string, Account>();
  let jwksRequests = 0;

  // Listen first: the issuer URL (with its port) must be known before the provider is built.
  let handler: ((req: never, res: never) => void) | undefined = undefined; // set once the provider exists
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith("/jwks")) jwksRequests += 1;
    if (handler) handler(req as never, res as never);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const alg = options.alg ?? "RS256";
  const signingKey = (
    alg === "RS256" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ec", { namedCurve: "P-256" })
  ).privateKey.export({ format: "jwk" });
  // oidc-provider ships no type declarations: `Provider` and what it returns are untyped.
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      grant_types: [CIBA_GRANT, "client_credentials"],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: "client_secret_post",
      backchannel_token_delivery_mode: "poll",
      id_token_signed_response_alg: alg,
    })),
    jwks: { keys: [{ ...signingKey, kid: `test-${randomUUID().slice(0, 8)}`, alg, use: "sig" }] },
    claims: { openid: ["sub"], email: ["email", "email_verified"] },
    // Put scope claims (email) into the ID token itself, as public-good issuers do for Sigstore.
    conformIdTokenClaims: false,
    ttl: { Grant: 600, IdToken: options.idTokenTtlSec ?? 600, AccessToken: 600, ClientCredentials: 600, BackchannelAuthenticationRequest: 60 },
    findAccount: (_ctx: unknown, id: string) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: account.sub,
          ...(account.email === undefined ? {} : { email: account.email, email_verified: account.emailVerified }),
        }),
      };
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        getResourceServerInfo: () => ({ scope: "api", audience: resource, accessTokenFormat: "jwt", jwt: { sign: { alg } } }),
        useGrantedResource: () => true,
      },
      ciba: {
        enabled: true,
        deliveryModes: ["poll"],
        processLoginHint: (_ctx: unknown, loginHint: string) => (accounts.has(loginHint) ? loginHint : undefined),
        verifyUserCode: () => undefined,
        validateBindingMessage: () => undefined,
        validateRequestContext: () => undefined,
        // The "authentication device" of the test account approves at once.
        triggerAuthenticationDevice: async (_ctx: unknown, request: { scope: string }, account: { accountId: string }, client: { clientId: string }) => {
          const grant = new provider.Grant({ accountId: account.accountId, clientId: client.clientId });
          grant.addOIDCScope(request.scope);
          await grant.save();
          await provider.backchannelResult(request, grant);
        },
      },
    },
  });
  // oidc-provider logs server errors through koa's default handler; keep test output readable.
  provider.on("server_error", (_ctx: unknown, err: Error) => console.error("oidc-provider server_error:", err));
  handler = provider.callback();

  const clientFor = (id: string) => {
    const c = clients.find((x) => x.clientId === id);
    if (!c) throw new Error(`unknown test client ${id}`);
    return c;
  };
  const post = async (path: string, form: Record<string, string>) => {
    const res = await fetch(`${issuer}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form),
    });
    const json = (await res.json()) as WireJson;
    if (!res.ok) throw new Error(`oidc-provider ${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  return {
    issuer,
    defaultClient,
    get jwksRequests() {
      return jwksRequests;
    },
    async mintIdToken(request: MintRequest): Promise<string> {
      const sub = request.sub ?? (request.email ? `account-${Buffer.from(request.email).toString("hex").slice(0, 32)}` : undefined);
      if (!sub) throw new TypeError("mintIdToken: give an email or a sub");
      // oidc-provider uses the account id as `sub`; the latest mint for a sub sets its claims.
      const accountId = sub;
      accounts.set(accountId, { sub, ...(request.email ? { email: request.email } : {}), emailVerified: request.emailVerified ?? true });
      const client = clientFor(request.clientId ?? defaultClient.clientId);
      const auth = { client_id: client.clientId, client_secret: client.clientSecret };
      const started = await post("/backchannel", { ...auth, scope: request.email ? "openid email" : "openid", login_hint: accountId });
      // Approval is immediate, but poll as a real CIBA client would (bounded).
      for (let attempt = 0; attempt < 50; attempt += 1) {
        try {
          const tokens = await post("/token", { ...auth, grant_type: CIBA_GRANT, auth_req_id: started["auth_req_id"] });
          return tokens["id_token"] as string;
        } catch (err) {
          if (!String(err).includes("authorization_pending")) throw err;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      throw new Error("mintIdToken: the CIBA request was never approved");
    },
    async clientCredentialsToken(client = defaultClient, scope = "api"): Promise<string> {
      const tokens = await post("/token", {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        grant_type: "client_credentials",
        scope,
        resource,
      });
      return tokens["access_token"] as string;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
