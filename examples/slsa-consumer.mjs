#!/usr/bin/env node
// A Certus-Transform-style consumer of SLSA provenance: before promoting an artifact it has
// Certus-Trust verify the provenance bundle over the artifact's digest, requiring the service's
// signature and the SLSA provenance v1 predicate type, then checks that the expected builder
// built it. Exit 0 promote, 1 refuse (with the reasons), 2 usage.
//
//   node examples/slsa-consumer.mjs --server http://127.0.0.1:8888 --bundle provenance.sigstore.json \
//     --file app.tgz --builder-id https://certus.cloud/builders/assurance@v1 --issuer http://127.0.0.1:8888
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createTrustClient, SLSA_PROVENANCE_V1, verifyBundleFile } from "@certus/trust-sdk/node";

const { values } = parseArgs({
  options: {
    server: { type: "string", default: "http://127.0.0.1:8888" },
    bundle: { type: "string" },
    file: { type: "string" },
    "builder-id": { type: "string" },
    subject: { type: "string", default: "certus-trust@certus.cloud" },
    issuer: { type: "string" },
  },
});
if (!values.bundle || !values.file || !values["builder-id"] || !values.issuer) {
  console.error("usage: slsa-consumer.mjs --bundle <file> --file <artifact> --builder-id <uri> --issuer <url> [--subject <san>] [--server <url>]");
  process.exit(2);
}
const digest = `sha256:${createHash("sha256").update(readFileSync(values.file)).digest("hex")}`;
const client = createTrustClient({ baseUrl: values.server, apiKey: process.env.CERTUS_TRUST_API_KEY });
const verdict = await verifyBundleFile(client, values.bundle, digest, { subject: values.subject, issuer: values.issuer, predicateType: SLSA_PROVENANCE_V1 });
client.close();
const refuse = (reasons) => {
  console.log(`refuse: ${digest}`);
  for (const r of reasons) console.log(`  ${r}`);
  process.exit(1);
};
if (!verdict.verified) refuse(verdict.failures.map((f) => `${f.code}: ${f.message}`));
// The service verified the signature over this exact payload; read the builder from it.
const bundle = JSON.parse(readFileSync(values.bundle, "utf8"));
const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
const builder = statement.predicate?.runDetails?.builder?.id;
if (builder !== values["builder-id"]) refuse([`BUILDER_MISMATCH: expected builder ${values["builder-id"]}, the provenance names ${JSON.stringify(builder)}`]);
console.log(`promote: ${digest} built by ${builder}, provenance signed by ${verdict.signer?.subject} (log index ${verdict.entry?.logIndex})`);
