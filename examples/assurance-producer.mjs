#!/usr/bin/env node
// A Certus-Assurance-style producer. It signs a scan artifact keyless, the way a stock Sigstore
// client does (sigstore-js against Certus-Trust's own Fulcio, Rekor and TSA endpoints, with the
// scanner's OIDC ID token), then asks Certus-Trust to add its outer signature with that inner
// bundle attached: Trust checks the inner signature against its signer policy first.
//
//   node examples/assurance-producer.mjs --server http://127.0.0.1:8888 --file scan.json \
//     --uri s3://certus-artifacts/scans/42.json --out-dir ./signed   (token in SIGSTORE_ID_TOKEN)
//
// Writes <out-dir>/inner.sigstore.json and <out-dir>/outer.sigstore.json; prints a summary.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { toJsonString } from "@bufbuild/protobuf";
import { sign } from "sigstore";
import { createTrustClient, signDigest } from "@certus/trust-sdk/node";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";

const { values } = parseArgs({
  options: {
    server: { type: "string", default: "http://127.0.0.1:8888" },
    file: { type: "string" },
    uri: { type: "string", default: "" },
    token: { type: "string" },
    "out-dir": { type: "string", default: "." },
    policy: { type: "string", default: "" },
  },
});
if (!values.file) {
  console.error("usage: assurance-producer.mjs --file <artifact> [--server <url>] [--uri <ref>] [--out-dir <dir>] (token in SIGSTORE_ID_TOKEN or --token)");
  process.exit(2);
}
const token = values.token ?? process.env.SIGSTORE_ID_TOKEN;
if (!token) {
  console.error("an OIDC ID token for the producer's identity is needed: --token or SIGSTORE_ID_TOKEN");
  process.exit(2);
}

const artifact = readFileSync(values.file);
const digest = `sha256:${createHash("sha256").update(artifact).digest("hex")}`;

// 1. The inner signature: keyless, through Certus-Trust's Sigstore-compatible endpoints.
const inner = await sign(artifact, {
  fulcioURL: values.server,
  rekorURL: values.server,
  tsaServerURL: values.server,
  identityToken: token,
});

// 2. The outer signature: Certus-Trust verifies the inner one against its policy, then signs.
const client = createTrustClient({ baseUrl: values.server, protocol: "connect" });
const outer = await signDigest(client, digest, { uri: values.uri, innerBundles: [inner], policy: values.policy });

mkdirSync(values["out-dir"], { recursive: true });
writeFileSync(join(values["out-dir"], "inner.sigstore.json"), JSON.stringify(inner, null, 2) + "\n");
writeFileSync(join(values["out-dir"], "outer.sigstore.json"), toJsonString(BundleSchema, outer.bundle, { prettySpaces: 2 }) + "\n");
console.log(
  JSON.stringify({
    digest,
    innerSigners: outer.innerSigners.map((s) => s.subject),
    outerSigner: outer.signer?.subject,
    logIndex: String(outer.entry?.logIndex),
  }),
);
client.close();
