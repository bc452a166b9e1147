/**
 * Scopes: what an authenticated caller may do. Every RPC needs exactly one scope; the table below
 * is the whole authorization model, checked in one place (`interceptor.ts`, and `http-guard.ts`
 * for paths outside the Connect router such as /mcp and /metrics).
 */

/** The closed set of scopes. */
export const SCOPES = ["sign", "verify", "read", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** Procedures anyone may call: health checks and reflection describe the service, not its data. */
const OPEN_SERVICES = new Set(["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]);

/** Single RPCs anyone may call: the readiness probe (`GET /v1/ready`), like `/readyz`. */
const OPEN_PROCEDURES = new Set(["certus.trust.v1.TrustService/GetReadiness"]);

/** The scope each TrustService RPC needs. */
const RPC_SCOPES: Readonly<Record<string, Scope>> = {
  "certus.trust.v1.TrustService/Sign": "sign",
  "certus.trust.v1.TrustService/Verify": "verify",
  "certus.trust.v1.TrustService/GetTransparency": "read",
  "certus.trust.v1.TrustService/GetKeys": "read",
  "certus.trust.v1.TrustService/WatchCheckpoints": "read",
  // Certus workflows: permitting an upload adds the service's outer signature, so it is signing.
  "certus.trust.v1.TrustService/VerifyAndPermitUpload": "sign",
  "certus.trust.v1.TrustService/VerifyChain": "verify",
  "certus.trust.v1.TrustService/LegacySign": "sign",
  "certus.trust.v1.TrustService/GetStats": "read",
  "certus.trust.v1.TrustService/GetProvenance": "read",
};

/**
 * The scope a procedure (`<service>/<method>`) needs, or `undefined` when it is open. A procedure
 * not in the table needs `admin`: a new RPC is closed until someone decides who may call it.
 */
export function requiredScope(service: string, method: string): Scope | undefined {
  if (OPEN_SERVICES.has(service) || OPEN_PROCEDURES.has(`${service}/${method}`)) return undefined;
  return RPC_SCOPES[`${service}/${method}`] ?? "admin";
}

/** Parses a comma list (or array) of scope names; throws a TypeError naming the bad one. */
export function parseScopes(input: string | readonly unknown[]): Scope[] {
  const items = typeof input === "string" ? input.split(",") : input;
  const out = new Set<Scope>();
  for (const raw of items) {
    const s = String(raw).trim();
    if (s === "") continue;
    if (!(SCOPES as readonly string[]).includes(s)) throw new TypeError(`"${s}" is not a scope; expected ${SCOPES.join(", ")}`);
    out.add(s as Scope);
  }
  return [...out];
}

/** True when `granted` allows `needed`. `admin` implies every other scope. */
export function allows(granted: ReadonlySet<Scope>, needed: Scope): boolean {
  return granted.has(needed) || granted.has("admin");
}
