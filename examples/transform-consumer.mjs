#!/usr/bin/env node
// A Certus-Transform-style consumer: before promoting an artifact it asks Certus-Trust to verify
// the outer signature over the artifact's digest, from the digest alone, and promotes only when
// the verdict says so. Exit 0 promoted, 1 refused (the reasons are printed), 2 usage.
//
//   node examples/transform-consumer.mjs --server http://127.0.0.1:8888 --bundle outer.sigstore.json \
//     --file scan.json --subject certus-trust@certus.cloud --issuer http://127.0.0.1:8888
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createTrustClient, verifyBundleFile } from "@certus/trust-sdk/node";

const { values } = parseArgs({
  options: {
    server: { type: "string", default: "http://127.0.0.1:8888" },
    bundle: { type: "string" },
    file: { type: "string" },
    digest: { type: "string" },
    subject: { type: "string", default: "certus-trust@certus.cloud" },
    issuer: { type: "string" },
  },
});
if (!values.bundle || (!values.file && !values.digest)) {
  console.error(
    "usage: transform-consumer.mjs --bundle <file> (--file <artifact> | --digest sha256:<hex>) [--subject <san>] [--issuer <url>] [--server <url>]",
  );
  process.exit(2);
}
// The consumer hashes what it is about to promote; Trust never sees the bytes.
const digest = values.digest ?? `sha256:${createHash("sha256").update(readFileSync(values.file)).digest("hex")}`;
const client = createTrustClient({ baseUrl: values.server, protocol: "connect" });
const verdict = await verifyBundleFile(client, values.bundle, digest, { subject: values.subject, ...(values.issuer ? { issuer: values.issuer } : {}) });
client.close();
if (verdict.verified) {
  console.log(`promote: ${digest} signed by ${verdict.signer?.subject} (log index ${verdict.entry?.logIndex})`);
  process.exit(0);
}
console.log(`refuse: ${digest}`);
for (const f of verdict.failures) console.log(`  ${f.code}: ${f.message}`);
process.exit(1);
