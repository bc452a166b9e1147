/**
 * Scope rules for identities the service does not issue itself: OIDC tokens (by their claims)
 * and client certificates (by subject or SAN). Loaded once at start from the `--auth-rules` YAML:
 *
 * ```yaml
 * oidc:
 *   - issuer: https://token.actions.githubusercontent.com   # optional: only tokens from this issuer
 *     claims: { repository: certus/assurance }               # every claim must match
 *     scopes: [sign, verify, read]
 *   - claims: { scope: certus.verify }                       # `scope`/`scp`: one of the listed scopes
 *     scopes: [verify, read]
 * mtls:
 *   - san: "URI:spiffe://certus/ns/ci/sa/builder"            # one of the certificate's SANs
 *     scopes: [sign, verify, read]
 *   - commonName: transform.certus.internal
 *     scopes: [verify, read]
 * ```
 *
 * A caller gets the union of the scopes of every rule it matches; one that matches none is
 * authenticated but may do nothing (`permission_denied`).
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { PeerCertificate } from "./caller.js";
import { parseScopes, type Scope } from "./scopes.js";

export interface OidcRule {
  issuer?: string;
  claims: Record<string, string>;
  scopes: Scope[];
}

export interface MtlsRule {
  san?: string;
  commonName?: string;
  subject?: string;
  scopes: Scope[];
}

export interface AuthRules {
  oidc: OidcRule[];
  mtls: MtlsRule[];
}

export const NO_RULES: AuthRules = { oidc: [], mtls: [] };

/** A rules file that does not load; names the file and the entry. */
export class AuthRulesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthRulesError";
  }
}

function asRecord(v: unknown, where: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new AuthRulesError(`${where}: expected a mapping`);
  return v as Record<string, unknown>;
}

function scopesOf(v: unknown, where: string): Scope[] {
  if (!Array.isArray(v) && typeof v !== "string") throw new AuthRulesError(`${where}.scopes: expected a list of scopes`);
  try {
    return parseScopes(v as string | unknown[]);
  } catch (err) {
    throw new AuthRulesError(`${where}.scopes: ${(err as Error).message}`);
  }
}

/** Loads and checks a rules file. */
export function loadAuthRules(path: string): AuthRules {
  let doc: unknown;
  try {
    const text = readFileSync(path, "utf8");
    if (text.length > 1024 * 1024) throw new Error("larger than 1 MiB");
    doc = parseYaml(text, { maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw new AuthRulesError(`authRules: cannot load ${path}: ${(err as Error).message}`);
  }
  const top = asRecord(doc, `authRules ${path}`);
  for (const k of Object.keys(top)) if (k !== "oidc" && k !== "mtls") throw new AuthRulesError(`authRules ${path}: unknown key "${k}"; expected oidc, mtls`);
  const list = (k: string) => {
    const v = top[k] ?? [];
    if (!Array.isArray(v)) throw new AuthRulesError(`authRules ${path}: ${k} must be a list of rules`);
    return v as unknown[];
  };
  const oidc = list("oidc").map((raw, i): OidcRule => {
    const where = `authRules ${path}: oidc[${i}]`;
    const r = asRecord(raw, where);
    const claims = asRecord(r["claims"] ?? {}, `${where}.claims`);
    if (Object.keys(claims).length === 0 && r["issuer"] === undefined)
      throw new AuthRulesError(`${where}: give claims or issuer; a rule matching every token is not accepted`);
    return {
      ...(typeof r["issuer"] === "string" ? { issuer: r["issuer"] } : {}),
      claims: Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, String(v)])),
      scopes: scopesOf(r["scopes"], where),
    };
  });
  const mtls = list("mtls").map((raw, i): MtlsRule => {
    const where = `authRules ${path}: mtls[${i}]`;
    const r = asRecord(raw, where);
    const rule: MtlsRule = { scopes: scopesOf(r["scopes"], where) };
    if (typeof r["san"] === "string") rule.san = r["san"];
    if (typeof r["commonName"] === "string") rule.commonName = r["commonName"];
    if (typeof r["subject"] === "string") rule.subject = r["subject"];
    if (!rule.san && !rule.commonName && !rule.subject) throw new AuthRulesError(`${where}: give san, commonName or subject`);
    return rule;
  });
  return { oidc, mtls };
}

function claimMatches(actual: unknown, wanted: string, name: string): boolean {
  if (Array.isArray(actual)) return actual.some((a) => String(a) === wanted);
  if (typeof actual === "string" && (name === "scope" || name === "scp")) return actual.split(" ").includes(wanted);
  // A number or boolean claim matches its text; an object claim never matches a string.
  return (typeof actual === "string" || typeof actual === "number" || typeof actual === "boolean") && String(actual) === wanted;
}

/** The scopes OIDC claims earn under the rules. */
export function scopesForClaims(rules: AuthRules, issuer: string, claims: Record<string, unknown>): Set<Scope> {
  const out = new Set<Scope>();
  for (const r of rules.oidc) {
    if (r.issuer !== undefined && r.issuer !== issuer) continue;
    if (Object.entries(r.claims).every(([k, v]) => claimMatches(claims[k], v, k))) r.scopes.forEach((s) => out.add(s));
  }
  return out;
}

/** The scopes a client certificate earns under the rules. */
export function scopesForCertificate(rules: AuthRules, cert: PeerCertificate): Set<Scope> {
  const out = new Set<Scope>();
  for (const r of rules.mtls) {
    const ok =
      (r.san === undefined || cert.subjectAltNames.includes(r.san)) &&
      (r.commonName === undefined || cert.commonName === r.commonName) &&
      (r.subject === undefined || cert.subject === r.subject);
    if (ok) r.scopes.forEach((s) => out.add(s));
  }
  return out;
}
