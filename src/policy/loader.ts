/**
 * Reads a policy file (YAML), checks it whole, and reports the first problem with its line:
 *
 *   policies:
 *     default:
 *       mode: enforce              # enforce | warn
 *       version: "3"
 *       match: any-of              # any-of | all-of
 *       outerIdentity: certus-trust@certus.cloud
 *       innerSigners:
 *         - subject: certus-assurance@certus.cloud     # or subjectRegexp, or publicKey (PEM)
 *           issuer: https://keycloak.certus.cloud/realms/certus
 *           trustRoot: service     # service | public-good | path to a trusted_root.json
 *       attestations:              # who may have which predicate types signed (attestation-rules.ts)
 *         - callers: ["apikey:assurance#*"]
 *           predicateTypes: ["https://slsa.dev/provenance/v1"]
 */
import { compileSubjectPattern, SubjectPatternError } from "../sigstore/verify/subject-pattern.js";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { LineCounter, parseDocument, isMap, isScalar, type Node } from "yaml";
import { parseAttestationRules } from "./attestation-rules.js";
import type { Policy, PolicySet, SignerRule, TrustRootRef } from "./model.js";

/** Largest policy file read, bytes. */
export const MAX_POLICY_FILE_BYTES = 1024 * 1024;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A policy file that cannot be used; `line` is 1-based when known. */
export class PolicyFileError extends Error {
  constructor(
    readonly path: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(`${path}${line ? `:${line}` : ""}: ${problem}`);
    this.name = "PolicyFileError";
  }
}

export function loadPolicyFile(path: string): PolicySet {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new PolicyFileError(path, undefined, `cannot read: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  }
  return parsePolicies(text, path);
}

export function parsePolicies(text: string, path: string): PolicySet {
  if (Buffer.byteLength(text) > MAX_POLICY_FILE_BYTES) throw new PolicyFileError(path, undefined, `larger than ${MAX_POLICY_FILE_BYTES} bytes`);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const [e] = doc.errors;
  if (e) throw new PolicyFileError(path, e.linePos?.[0].line, e.message.split("\n")[0] ?? e.message);
  const lineOf = (node: Node | null | undefined): number | undefined => (node?.range ? lines.linePos(node.range[0]).line : undefined);
  // Typed explicitly so that the compiler narrows after each `fail(…)` (it never returns).
  const fail: (node: Node | null | undefined, problem: string) => never = (node, problem) => {
    throw new PolicyFileError(path, lineOf(node), problem);
  };
  const root = doc.contents;
  // Aliases are expanded with a bound (billion-laughs): toJS throws past 100 alias expansions.
  try {
    doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new PolicyFileError(path, undefined, (err as Error).message);
  }
  if (!isMap(root)) fail(root, "expected a mapping with a `policies` key");
  const policiesNode = doc.getIn(["policies"], true) as Node | undefined;
  for (const key of Object.keys((doc.toJS() as Record<string, unknown> | null) ?? {})) {
    if (key !== "policies" && key !== "version") fail(doc.getIn([key], true) as Node, `unknown key "${key}"; expected policies (and optionally version)`);
  }
  if (!isMap(policiesNode)) fail(policiesNode ?? root, "`policies` must be a mapping of policy names to policies");
  const out = new Map<string, Policy>();
  const base = dirname(resolve(path));
  for (const pair of (policiesNode as unknown as { items: Array<{ key: Node | null; value: Node | null }> }).items) {
    if (!isScalar(pair.key) || (typeof pair.key.value !== "string" && typeof pair.key.value !== "number")) {
      fail(pair.value ?? policiesNode, "every policy needs a name (a string key under `policies`)");
    }
    const name = String(pair.key.value);
    if (!NAME.test(name)) fail(pair.key, `policy name "${name}" must be 1-64 letters, digits, '.', '_' or '-'`);
    const pNode = pair.value;
    if (!isMap(pNode)) fail(pNode ?? pair.key, `policy "${name}" must be a mapping`);
    const p = doc.getIn(["policies", name]);
    const obj = (p as { toJSON(): Record<string, unknown> }).toJSON();
    const at = (k: string) => doc.getIn(["policies", name, k], true) as Node | undefined;
    const allowed = new Set(["mode", "version", "match", "innerSigners", "outerIdentity", "description", "attestations"]);
    for (const k of Object.keys(obj)) if (!allowed.has(k)) fail(at(k), `unknown key "${k}" in policy "${name}"; expected one of ${[...allowed].join(", ")}`);
    const mode = obj["mode"] ?? "enforce";
    if (mode !== "enforce" && mode !== "warn") fail(at("mode"), `mode must be enforce or warn, not ${JSON.stringify(mode)}`);
    const match = obj["match"] ?? "any-of";
    if (match !== "any-of" && match !== "all-of") fail(at("match"), `match must be any-of or all-of, not ${JSON.stringify(match)}`);
    const version = obj["version"] ?? "1";
    if (typeof version !== "string" && typeof version !== "number") fail(at("version"), "version must be a string");
    for (const k of ["outerIdentity", "description"]) if (obj[k] !== undefined && typeof obj[k] !== "string") fail(at(k), `${k} must be a string`);
    const signersRaw = obj["innerSigners"] ?? [];
    if (!Array.isArray(signersRaw)) fail(at("innerSigners"), "innerSigners must be a list");
    const innerSigners: SignerRule[] = (signersRaw as unknown[]).map((raw, i) => {
      const node = doc.getIn(["policies", name, "innerSigners", i], true) as Node | undefined;
      const fieldNode = (k: string) => (doc.getIn(["policies", name, "innerSigners", i, k], true) as Node | undefined) ?? node;
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail(node, "each inner signer must be a mapping");
      const r = raw as Record<string, unknown>;
      const keys = new Set(["subject", "subjectRegexp", "issuer", "publicKey", "trustRoot"]);
      for (const k of Object.keys(r)) if (!keys.has(k)) fail(fieldNode(k), `unknown key "${k}" in an inner signer; expected one of ${[...keys].join(", ")}`);
      for (const k of keys) if (r[k] !== undefined && typeof r[k] !== "string") fail(fieldNode(k), `${k} must be a string`);
      if (r["subject"] && r["subjectRegexp"]) fail(fieldNode("subjectRegexp"), "give subject or subjectRegexp, not both");
      if (!r["subject"] && !r["subjectRegexp"] && !r["publicKey"]) fail(node, "an inner signer needs subject, subjectRegexp or publicKey");
      if (typeof r["subjectRegexp"] === "string") {
        try {
          compileSubjectPattern(r["subjectRegexp"]);
        } catch (err) {
          fail(fieldNode("subjectRegexp"), err instanceof SubjectPatternError ? err.message : String(err));
        }
      }
      const rootName = (r["trustRoot"] as string | undefined) ?? "service";
      let trustRoot: TrustRootRef;
      if (rootName === "service") trustRoot = { kind: "service" };
      else if (rootName === "public-good") trustRoot = { kind: "public-good" };
      else {
        const file = resolve(base, rootName);
        let json: unknown;
        try {
          json = JSON.parse(readFileSync(file, "utf8"));
        } catch (err) {
          fail(fieldNode("trustRoot"), `trustRoot ${file} is not a readable trusted_root.json: ${(err as Error).message}`);
        }
        trustRoot = { kind: "file", path: file, json };
      }
      const rule: SignerRule = { trustRoot };
      for (const k of ["subject", "subjectRegexp", "issuer", "publicKey"] as const) if (typeof r[k] === "string") rule[k] = r[k];
      return rule;
    });
    const attestations = parseAttestationRules(obj["attestations"]);
    if (!Array.isArray(attestations)) {
      fail(
        (attestations.index !== undefined ? (doc.getIn(["policies", name, "attestations", attestations.index], true) as Node | undefined) : undefined) ??
          at("attestations"),
        attestations.problem,
      );
    }
    out.set(name, {
      name,
      version: String(version),
      mode,
      match,
      innerSigners,
      ...(typeof obj["outerIdentity"] === "string" ? { outerIdentity: obj["outerIdentity"] } : {}),
      ...(typeof obj["description"] === "string" ? { description: obj["description"] } : {}),
      ...(attestations.length > 0 ? { attestations } : {}),
    });
  }
  if (!out.has("default")) fail(policiesNode, 'a policy named "default" is required');
  return { source: path, policies: out };
}
