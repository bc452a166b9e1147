/**
 * The MCP tools: what an IDE agent may ask Certus-Trust. Each tool calls the TrustService through
 * a Connect client (remote over HTTP for `certus-trust mcp`, in-process for /mcp), so every call
 * is authenticated, authorized, rate-limited, audited and counted like any other.
 *
 * Every result has `structuredContent` (typed by its output schema) and a short readable text.
 * Failures the caller can act on (a bad digest, a missing scope) are tool errors
 * (`isError: true`) whose text says what to change.
 */
import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { SignatureFormat, type TrustService, type TransparencyEntry } from "@certus/trust-sdk";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { TrustedRootSchema } from "@certus/trust-sdk/gen/sigstore_trustroot_pb";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { replyField } from "../rpc/reply-field.js";

/** What the tools need from their host. */
export interface TrustToolDeps {
  client: Client<typeof TrustService>;
  /** Describes a named policy ("" is `default`); throws when there is none by that name. */
  explainPolicy(name: string): { text: string; policies: string[] };
  /** Offer `sign_artifact` (the caller holds the `sign` scope, or scopes are unknown). */
  canSign: boolean;
  /** Whether the caller holds `read` (explain_policy describes the server's policies, which `read` protects). */
  canRead: boolean;
}

/** Largest bundle accepted as a JSON string, characters. */
const MAX_BUNDLE_CHARS = 1024 * 1024;
const DIGEST = z.string().regex(/^sha256:[0-9a-f]{64}$/, "sha256:<64 lower-case hex>");
/** What verification accepts: a statement may name its subject by sha384 or sha512 only (npm provenance does). */
const VERIFY_DIGEST = z
  .string()
  .regex(/^(?:sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128})$/, "sha256:<64 hex>, sha384:<96 hex> or sha512:<128 hex>, lower case");

function ok(structured: Record<string, unknown>, text: string): CallToolResult {
  return { content: [{ type: "text", text }], structuredContent: structured };
}

function failure(err: unknown): CallToolResult {
  const ce = ConnectError.from(err);
  const hint =
    ce.code === Code.Unauthenticated
      ? " (the MCP server has no valid credentials: set --api-key or CERTUS_TRUST_API_KEY)"
      : ce.code === Code.PermissionDenied
        ? " (the credentials in use lack the scope this tool needs)"
        : "";
  return { content: [{ type: "text", text: `error (${codeName(ce.code)}): ${ce.rawMessage}${hint}` }], isError: true };
}

const CODE_NAMES: Record<number, string> = {
  3: "invalid_argument",
  5: "not_found",
  7: "permission_denied",
  8: "resource_exhausted",
  9: "failed_precondition",
  14: "unavailable",
  16: "unauthenticated",
};
function codeName(code: number): string {
  return CODE_NAMES[code] ?? `code ${code}`;
}

async function guarded(fn: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await fn();
  } catch (err) {
    return failure(err);
  }
}

function parseBundle(bundle: unknown) {
  let json: unknown = bundle;
  if (typeof bundle === "string") {
    if (bundle.length > MAX_BUNDLE_CHARS) throw new ConnectError(`bundle: larger than ${MAX_BUNDLE_CHARS} characters`, Code.InvalidArgument);
    try {
      json = JSON.parse(bundle);
    } catch {
      throw new ConnectError("bundle: not valid JSON; pass the bundle.sigstore.json content (object or string)", Code.InvalidArgument);
    }
  }
  try {
    return fromJson(BundleSchema, json as JsonValue, { ignoreUnknownFields: false });
  } catch (err) {
    throw new ConnectError(`bundle: not a Sigstore bundle: ${(err as Error).message}`, Code.InvalidArgument);
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const iso = (t: { seconds: bigint; nanos: number } | undefined) => (t ? new Date(Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6)).toISOString() : "");

function entryOf(e: TransparencyEntry) {
  let body: unknown = Buffer.from(e.body).toString("utf8");
  try {
    body = JSON.parse(body as string);
  } catch {
    // Keep the text as it is.
  }
  return { logIndex: Number(e.logIndex), uuid: e.uuid, kindVersion: e.kindVersion, integratedTime: iso(e.integratedTime), body };
}

function proofOf(e: TransparencyEntry) {
  const p = e.inclusionProof;
  return p
    ? { logIndex: Number(p.logIndex), treeSize: Number(p.treeSize), rootHash: hex(p.rootHash), hashes: p.hashes.map(hex), checkpoint: p.checkpoint }
    : undefined;
}

const entrySchema = z.object({ logIndex: z.number(), uuid: z.string(), kindVersion: z.string(), integratedTime: z.string(), body: z.unknown() });
const proofSchema = z.object({ logIndex: z.number(), treeSize: z.number(), rootHash: z.string(), hashes: z.array(z.string()), checkpoint: z.string() });
const lookup = {
  log_index: z.number().int().min(0).optional().describe("the entry's log index"),
  uuid: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional()
    .describe("the entry's UUID (64 hex)"),
};

/** Registers the tools on `server`. */
export function registerTrustTools(server: McpServer, deps: TrustToolDeps): void {
  const { client } = deps;

  server.registerTool(
    "verify_artifact",
    {
      title: "Verify a signed artifact",
      description:
        "Checks a Sigstore bundle (bundle.sigstore.json) against an artifact's digest (SHA-256, or SHA-384/SHA-512 where the bundle names the artifact that way) and the signer you expect, " +
        "using this service's trusted root (or the public-good Sigstore root). Returns verified=true only if the signature, " +
        "certificate chain, signer identity, transparency-log inclusion and timestamps all check out; otherwise each failed " +
        "check is listed with a stable code (e.g. SIGNER_MISMATCH, ARTIFACT_DIGEST_MISMATCH). Give exactly one of: expected_subject " +
        "(+ expected_issuer), expected_subject_regexp (+ expected_issuer), public_key, or policy. Use this before trusting, promoting or " +
        "ingesting an artifact. Needs the `verify` scope.",
      inputSchema: {
        bundle: z.union([z.string(), z.record(z.string(), z.unknown())]).describe("the Sigstore bundle: a JSON object, or its JSON text"),
        digest: VERIFY_DIGEST.describe("the artifact's digest: sha256:<64 hex>, sha384:<96 hex> or sha512:<128 hex>"),
        expected_subject: z.string().optional().describe("exact signer identity (certificate SAN), e.g. certus-assurance@certus.cloud"),
        expected_subject_regexp: z.string().optional().describe("regular expression the whole signer identity must match"),
        expected_issuer: z.string().optional().describe("exact OIDC issuer of the signer's certificate"),
        public_key: z.string().optional().describe("PEM public key, for bundles signed with a key instead of a certificate"),
        policy: z.string().optional().describe("name of a signer policy on the server (see explain_policy) instead of an expected signer"),
        trust_root: z.enum(["service", "public-good"]).optional().describe("which trusted root to verify against (default: service)"),
      },
      outputSchema: {
        verified: z.boolean(),
        failures: z.array(z.object({ code: z.string(), message: z.string() })),
        signer: z.object({ subject: z.string(), issuer: z.string() }).optional(),
        logIndex: z.number().optional(),
        timestamps: z.array(z.object({ source: z.string(), time: z.string() })),
      },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    (args) =>
      guarded(async () => {
        const res = await client.verify({
          artifact: { digest: args.digest },
          bundle: parseBundle(args.bundle),
          expectedSigner: {
            subject: args.expected_subject ?? "",
            subjectRegexp: args.expected_subject_regexp ?? "",
            issuer: args.expected_issuer ?? "",
            publicKey: args.public_key ?? "",
            policy: args.policy ?? "",
          },
          trustRoot: args.trust_root ?? "",
        });
        const out = {
          verified: res.verified,
          failures: res.failures.map((f) => ({ code: f.code, message: f.message })),
          ...(res.signer ? { signer: { subject: res.signer.subject, issuer: res.signer.issuer } } : {}),
          ...(res.entry ? { logIndex: Number(res.entry.logIndex) } : {}),
          timestamps: res.timestamps.map((t) => ({ source: t.source, time: iso(t.time) })),
        };
        const text = res.verified
          ? `VERIFIED: ${args.digest} was signed by ${out.signer?.subject ?? "the expected key"}${out.signer?.issuer ? ` (issuer ${out.signer.issuer})` : ""}` +
            `${out.logIndex !== undefined ? `, transparency log index ${out.logIndex}` : ""}.`
          : `NOT VERIFIED: ${args.digest}\n${out.failures.map((f) => `- ${f.code}: ${f.message}`).join("\n")}`;
        return ok(out, text);
      }),
  );

  if (deps.canSign) {
    server.registerTool(
      "sign_artifact",
      {
        title: "Sign an artifact",
        description:
          "Asks Certus-Trust to sign an artifact by its SHA-256 digest with the service's own identity. The signature is recorded " +
          "in the transparency log and the result is a standard Sigstore bundle (verifiable with cosign or sigstore-js given the " +
          "service's trusted root). The signing is audited under your identity. Only sign artifacts the user asked you to sign. " +
          "Needs the `sign` scope.",
        inputSchema: {
          digest: DIGEST.describe("the artifact's digest, sha256:<64 hex>"),
          uri: z.string().max(4096).optional().describe("where the artifact lives (s3://, oci://, https://, file://), recorded in the statement"),
          format: z.enum(["dsse", "message"]).optional().describe("dsse: an in-toto statement (default); message: a plain message signature"),
          policy: z.string().optional().describe("signer policy to apply (default: default)"),
        },
        outputSchema: {
          bundle: z.record(z.string(), z.unknown()),
          logIndex: z.number(),
          uuid: z.string(),
          integratedTime: z.string(),
          signer: z.object({ subject: z.string(), issuer: z.string() }),
          warnings: z.array(z.string()),
        },
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      },
      (args) =>
        guarded(async () => {
          const res = await client.sign({
            artifact: { digest: args.digest, uri: args.uri ?? "" },
            format: args.format === "message" ? SignatureFormat.MESSAGE_SIGNATURE : SignatureFormat.DSSE,
            policy: args.policy ?? "",
          });
          const out = {
            bundle: toJson(BundleSchema, replyField(res.bundle, "bundle")) as Record<string, unknown>,
            logIndex: Number(res.entry?.logIndex ?? 0),
            uuid: res.entry?.uuid ?? "",
            integratedTime: iso(res.entry?.integratedTime),
            signer: { subject: res.signer?.subject ?? "", issuer: res.signer?.issuer ?? "" },
            warnings: res.warnings,
          };
          return ok(
            out,
            `SIGNED ${args.digest} as ${out.signer.subject}; transparency log index ${out.logIndex} (uuid ${out.uuid}).${out.warnings.length ? `\nwarnings:\n- ${out.warnings.join("\n- ")}` : ""}\nThe bundle is in the structured result.`,
          );
        }),
    );
  }

  server.registerTool(
    "get_log_entry",
    {
      title: "Look up transparency log entries",
      description:
        "Finds entries in Certus-Trust's transparency log by log index, UUID, or artifact digest (all entries for that digest). " +
        "Returns each entry's index, UUID, kind (hashedrekord/dsse), integration time and decoded body. Use it to show what was " +
        "signed and when, or to find the log index of a bundle. Needs the `read` scope.",
      inputSchema: { ...lookup, digest: DIGEST.optional().describe("every entry for this artifact digest") },
      outputSchema: { entries: z.array(entrySchema), checkpoint: z.string() },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    (args) =>
      guarded(async () => {
        if (args.log_index === undefined && !args.uuid && !args.digest) throw new ConnectError("give log_index, uuid or digest", Code.InvalidArgument);
        const res = await client.getTransparency({
          ...(args.log_index !== undefined ? { logIndex: BigInt(args.log_index) } : {}),
          uuid: args.uuid ?? "",
          digest: args.digest ?? "",
        });
        const entries = res.entries.map(entryOf);
        const text =
          entries.length === 0 ? "no entry found" : entries.map((e) => `#${e.logIndex} ${e.kindVersion} uuid ${e.uuid} at ${e.integratedTime}`).join("\n");
        return ok({ entries, checkpoint: res.checkpoint }, text);
      }),
  );

  server.registerTool(
    "get_inclusion_proof",
    {
      title: "Get an inclusion proof",
      description:
        "Returns the Merkle inclusion proof (RFC 6962) of one transparency log entry against the latest signed checkpoint: " +
        "leaf index, tree size, root hash, audit path (hex) and the signed checkpoint note. Use it to prove to a third party that " +
        "a signature is in the log. Needs the `read` scope.",
      inputSchema: lookup,
      outputSchema: { entry: entrySchema, proof: proofSchema },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    (args) =>
      guarded(async () => {
        if (args.log_index === undefined && !args.uuid) throw new ConnectError("give log_index or uuid", Code.InvalidArgument);
        const res = await client.getTransparency({ ...(args.log_index !== undefined ? { logIndex: BigInt(args.log_index) } : {}), uuid: args.uuid ?? "" });
        const e = res.entries[0];
        const proof = e ? proofOf(e) : undefined;
        if (!e || !proof) throw new ConnectError("no such entry", Code.NotFound);
        return ok(
          { entry: entryOf(e), proof },
          `entry #${proof.logIndex} is included in the tree of size ${proof.treeSize} with root ${proof.rootHash} (audit path of ${proof.hashes.length} hashes).\ncheckpoint:\n${proof.checkpoint}`,
        );
      }),
  );

  server.registerTool(
    "get_trusted_root",
    {
      title: "Get the trusted root",
      description:
        "Returns Certus-Trust's Sigstore trusted root (trusted_root.json: CA chain, transparency log key, timestamp authority) " +
        "and a summary of its public keys. Save it as trusted_root.json to verify the service's bundles offline with cosign " +
        "(--trusted-root) or sigstore-js. Needs the `read` scope.",
      inputSchema: {},
      outputSchema: {
        trustedRoot: z.record(z.string(), z.unknown()),
        keys: z.array(z.object({ purpose: z.string(), keyId: z.string(), validFrom: z.string() })),
      },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    () =>
      guarded(async () => {
        const res = await client.getKeys({});
        const keys = res.keys.map((k) => ({ purpose: k.purpose, keyId: k.keyId, validFrom: iso(k.validFor?.start) }));
        return ok(
          { trustedRoot: toJson(TrustedRootSchema, replyField(res.trustedRoot, "trusted root")), keys },
          `trusted root with ${keys.length} keys:\n${keys.map((k) => `- ${k.purpose} ${k.keyId} (valid from ${k.validFrom})`).join("\n")}\nThe full trusted_root.json is in the structured result.`,
        );
      }),
  );

  server.registerTool(
    "explain_policy",
    {
      title: "Explain a signer policy",
      description:
        "Explains a named signer policy in plain words: which inner signers (identity, issuer, trust root) an artifact needs " +
        "before Certus-Trust adds its signature, and whether the policy refuses (enforce) or only warns. Leave name empty for " +
        "the default policy; the result lists the known policy names.",
      inputSchema: { name: z.string().max(256).optional().describe("the policy name (default: default)") },
      outputSchema: { name: z.string(), explanation: z.string(), policies: z.array(z.string()) },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    (args) =>
      guarded(() => {
        if (!deps.canRead) throw new ConnectError('explain_policy needs the "read" scope', Code.PermissionDenied);
        const name = args.name ?? "";
        let described: { text: string; policies: string[] };
        try {
          described = deps.explainPolicy(name);
        } catch (err) {
          throw new ConnectError((err as Error).message, Code.NotFound);
        }
        return Promise.resolve(ok({ name: name || "default", explanation: described.text, policies: described.policies }, described.text));
      }),
  );
}
