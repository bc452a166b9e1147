/**
 * `certus-trust policy check`: a what-if. Evaluates a named policy against a bundle and an
 * artifact digest, locally, and prints the decision with its reasons; nothing is signed or logged.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { toJson } from "@bufbuild/protobuf";
import { TrustedRootSchema } from "@certus/trust-sdk/gen/sigstore_trustroot_pb";
import { evaluateInnerSigners } from "../policy/evaluate.js";
import { loadPolicyFile } from "../policy/loader.js";
import { builtInPolicySet, describePolicy } from "../policy/model.js";
import { loadTrustedRoot, parseArtifactDigest } from "../sigstore/verify/index.js";
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, UsageError, replyField, trustClient } from "./client.js";

export const POLICY_USAGE = `Usage: certus-trust policy check --policy <name> --bundle <file> --digest <alg>:<hex>
                           [--policy-file <file>] [--trusted-root <file> | --server <url>]

Dry-runs a signer policy against a bundle (as an inner signature over the digest) and prints the
decision and the reasons. Exit 0 when the policy is met, 1 when it is not.
  --policy <name>          the policy (default: default)
  --policy-file <file>     the policies (default: env CERTUS_TRUST_POLICY_FILE, else the built-in default)
  --bundle <file>          a Sigstore bundle JSON file
  --digest <alg>:<hex>     the artifact's digest (sha256, sha384 or sha512)
  --trusted-root <file>    the service's trusted root; otherwise fetched from --server
${CLIENT_OPTIONS_HELP}`;

export async function policyCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      ...CLIENT_OPTIONS,
      policy: { type: "string" },
      "policy-file": { type: "string" },
      bundle: { type: "string" },
      digest: { type: "string" },
      "trusted-root": { type: "string" },
    },
    strict: true,
  });
  if (values.help || sub === undefined || sub === "--help") {
    console.log(POLICY_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== "check") throw new UsageError(`unknown policy subcommand "${sub}"; expected check`);
  if (!values.bundle) throw new UsageError("--bundle is required");
  const digestArg = values.digest;
  const digest = digestArg === undefined ? undefined : parseArtifactDigest(digestArg);
  if (digestArg === undefined || !digest || "problem" in digest)
    throw new UsageError(
      `--digest is required as sha256:<64 hex>, sha384:<96 hex> or sha512:<128 hex>${digest && "problem" in digest ? ` (${digest.problem})` : ""}`,
    );
  const file = values["policy-file"] ?? process.env["CERTUS_TRUST_POLICY_FILE"];
  const set = file ? loadPolicyFile(file) : builtInPolicySet();
  const policy = set.policies.get(values.policy ?? "default");
  if (!policy) throw new UsageError(`no policy named "${values.policy}" in ${set.source}; known: ${[...set.policies.keys()].join(", ")}`);
  let bundle: unknown;
  try {
    bundle = JSON.parse(readFileSync(values.bundle, "utf8"));
  } catch (err) {
    throw new UsageError(`--bundle: cannot read ${values.bundle} as JSON: ${(err as Error).message}`);
  }
  const rootJson = values["trusted-root"]
    ? (JSON.parse(readFileSync(values["trusted-root"], "utf8")) as unknown)
    : toJson(TrustedRootSchema, replyField((await trustClient(values).getKeys({})).trustedRoot, "trusted root"));
  const decision = evaluateInnerSigners(policy, [bundle], digestArg, { service: loadTrustedRoot(rootJson) });
  const out = {
    policy: policy.name,
    version: policy.version,
    mode: policy.mode,
    met: decision.allowed,
    reasons: decision.reasons,
    signer: decision.inner[0]?.signer,
  };
  if (values.output === "json") console.log(JSON.stringify(out, null, 2));
  else {
    console.log(describePolicy(policy));
    console.log(
      `\ndecision: ${decision.allowed ? "MET" : "NOT MET"}${policy.mode === "warn" && !decision.allowed ? " (warn mode: Sign would proceed with warnings)" : ""}`,
    );
    if (decision.inner[0]?.signer)
      console.log(`bundle signer: ${decision.inner[0].signer.subject}${decision.inner[0].signer.issuer ? ` (issuer ${decision.inner[0].signer.issuer})` : ""}`);
    for (const r of decision.reasons) console.log(`  - ${r}`);
  }
  return decision.allowed ? 0 : 1;
}
