#!/usr/bin/env node
// Generates the key material of the private Sigstore stack in docker-compose.yml, once:
//
//   <out>/fulcio/root.pem, root.key   Fulcio's file CA (self-signed root, P-256; the key is PKCS#8
//                                     encrypted with $FULCIO_CA_PASSWORD, as `--fileca-key-passwd` expects)
//   <out>/tsa/signer.key, chain.pem   the TSA's signing key and chain (leaf with the critical
//                                     timeStamping EKU first, then its root)
//   <out>/rekor/signer.key, public.pem  Rekor v2's checkpoint signing key (P-256)
//   <out>/ctlog/signer.key, public.pem, roots.pem  the CT log's key (SEC1, as TesseraCT reads it),
//                                     and the roots it accepts (Fulcio's)
//   <out>/tls/ca.pem, server.pem, server.key  a development TLS CA and the gateway's certificate
//                                     (SANs: --tls-names), so that every upstream is https, as
//                                     Certus-Trust's sigstore mode requires off loopback
//   <out>/trusted_root.json           the stack as a Sigstore trusted root
//   <out>/signing_config.v0.2.json    where clients sign: Fulcio, OIDC, Rekor v2, TSA
//   <out>/tuf/root.json               the TUF root clients bootstrap from (copy of 1.root.json)
//   <out>/tuf-keys/*.pem              the TUF role keys (root, targets, snapshot, timestamp)
//   <tuf-out>/                        the TUF repository the `tuf` service serves (consistent
//                                     snapshots; targets/<sha256>.trusted_root.json and
//                                     targets/<sha256>.signing_config.v0.2.json)
//
// Idempotent: when <out>/trusted_root.json exists nothing is regenerated (the keys are the
// stack's identity; regenerating them would orphan every signature made so far). `--refresh-tuf`
// re-signs the TUF metadata with the existing keys (new expiry dates) and changes nothing else.
//
// A development tool: keys are files on a volume, not in a KMS or HSM. It runs in the certus-trust
// image (it needs @peculiar/x509 and @tufjs/models from /app/node_modules) and on a developer
// machine (`node deploy/sigstore/init-stack.mjs --out /tmp/pki --tuf-out /tmp/tuf`), which is how
// test/deploy/manifests.test.ts checks it.
import "reflect-metadata";
import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, webcrypto } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as x509 from "@peculiar/x509";
import { Key, Metadata, MetaFile, Root, Signature, Snapshot, TargetFile, Targets, Timestamp } from "@tufjs/models";

x509.cryptoProvider.set(webcrypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const DAY = 24 * 60 * 60 * 1000;
/** A static development repository has no re-signer: every role lives a year (see --refresh-tuf). */
const TUF_EXPIRY_MS = 365 * DAY;
const TUF_SPEC_VERSION = "1.0.31";

const { values: opts } = parseArgs({
  options: {
    out: { type: "string", default: "/pki" },
    "tuf-out": { type: "string" },
    "fulcio-url": { type: "string", default: "http://fulcio:5555" },
    "rekor-url": { type: "string", default: "http://rekor:3000" },
    "rekor-origin": { type: "string", default: "rekor.certus.local" },
    "ctlog-url": { type: "string", default: "http://ctlog:6962" },
    "tsa-url": { type: "string", default: "http://tsa:3000/api/v1/timestamp" },
    "oidc-issuer": { type: "string", default: "http://keycloak:8080/realms/certus" },
    "tuf-url": { type: "string", default: "http://tuf:8080" },
    "tls-names": { type: "string", default: "" },
    "refresh-tuf": { type: "boolean", default: false },
  },
});
const out = opts.out;
const tufOut = opts["tuf-out"] ?? join(out, "tuf", "repository");
const password = process.env.FULCIO_CA_PASSWORD;
if (!password) {
  console.error("[init-stack] FULCIO_CA_PASSWORD is not set (Fulcio's CA key is stored encrypted with it)");
  process.exit(2);
}

function log(msg) {
  console.log(`[init-stack] ${msg}`);
}

function write(path, data, mode) {
  mkdirSync(join(path, ".."), { recursive: true, mode: 0o755 });
  writeFileSync(path, data, { mode });
  chmodSync(path, mode);
}

async function newKeyPair() {
  return webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
}

async function pkcs8Pem(privateKey, passphrase) {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", privateKey));
  const key = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  return passphrase ? key.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase }) : key.export({ type: "pkcs8", format: "pem" });
}

async function spkiDer(publicKey) {
  return Buffer.from(await webcrypto.subtle.exportKey("spki", publicKey));
}

function pemOf(der, label) {
  return `-----BEGIN ${label}-----\n${der
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n$/, "")}\n-----END ${label}-----\n`;
}

async function skid(publicKey) {
  return x509.SubjectKeyIdentifierExtension.create(publicKey);
}

async function issueStack() {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + 10 * 365 * DAY);

  // Fulcio: a self-signed root that signs the short-lived leaf certificates directly.
  const fulcioKeys = await newKeyPair();
  const fulcioName = "CN=Certus Dev Fulcio Root, O=Certus TAP (development)";
  const fulcioRoot = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: fulcioName,
    notBefore,
    notAfter,
    keys: fulcioKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await skid(fulcioKeys.publicKey),
    ],
  });
  write(join(out, "fulcio", "root.pem"), fulcioRoot.toString("pem") + "\n", 0o644);
  // Fulcio runs as the image's non-root user: the encrypted key must be readable by it.
  write(join(out, "fulcio", "root.key"), await pkcs8Pem(fulcioKeys.privateKey, password), 0o644);

  // TSA: root + signing leaf (critical timeStamping EKU, as RFC 3161 requires).
  const tsaRootKeys = await newKeyPair();
  const tsaLeafKeys = await newKeyPair();
  const tsaRootName = "CN=Certus Dev TSA Root, O=Certus TAP (development)";
  const tsaRoot = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: tsaRootName,
    notBefore,
    notAfter,
    keys: tsaRootKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await skid(tsaRootKeys.publicKey),
    ],
  });
  const tsaLeaf = await x509.X509CertificateGenerator.create({
    serialNumber: "02",
    subject: "CN=Certus Dev Timestamping, O=Certus TAP (development)",
    issuer: tsaRootName,
    notBefore,
    notAfter,
    publicKey: tsaLeafKeys.publicKey,
    signingKey: tsaRootKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping], true),
      await skid(tsaLeafKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(tsaRootKeys.publicKey),
    ],
  });
  write(join(out, "tsa", "signer.key"), await pkcs8Pem(tsaLeafKeys.privateKey), 0o644);
  write(join(out, "tsa", "chain.pem"), `${tsaLeaf.toString("pem")}\n${tsaRoot.toString("pem")}\n`, 0o644);

  // Rekor v2: the checkpoint key. The log ID is the SHA-256 of its SPKI.
  const rekorKeys = await newKeyPair();
  const rekorSpki = await spkiDer(rekorKeys.publicKey);
  write(join(out, "rekor", "signer.key"), await pkcs8Pem(rekorKeys.privateKey), 0o644);
  write(join(out, "rekor", "public.pem"), pemOf(rekorSpki, "PUBLIC KEY"), 0o644);

  // The CT log Fulcio submits precertificates to (TesseraCT): its key, and Fulcio's root as the
  // one root it accepts. Certificates then carry SCTs, and verifiers keep their SCT requirement.
  const ctKeys = await newKeyPair();
  const ctSpki = await spkiDer(ctKeys.publicKey);
  const ctPrivate = createPrivateKey({ key: Buffer.from(await webcrypto.subtle.exportKey("pkcs8", ctKeys.privateKey)), format: "der", type: "pkcs8" });
  write(join(out, "ctlog", "signer.key"), ctPrivate.export({ type: "sec1", format: "pem" }), 0o600); // ctlog runs as root
  write(join(out, "ctlog", "public.pem"), pemOf(ctSpki, "PUBLIC KEY"), 0o644);
  write(join(out, "ctlog", "roots.pem"), `${fulcioRoot.toString("pem")}\n`, 0o644);

  // TLS for the gateway: a CA the clients trust (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE) and one
  // server certificate naming every upstream.
  const names = opts["tls-names"]
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  if (names.length > 0) {
    const caKeys = await newKeyPair();
    const caName = "CN=Certus Dev TLS CA, O=Certus TAP (development)";
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: "01",
      name: caName,
      notBefore,
      notAfter,
      keys: caKeys,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await skid(caKeys.publicKey),
      ],
    });
    const serverKeys = await newKeyPair();
    const server = await x509.X509CertificateGenerator.create({
      serialNumber: "02",
      subject: `CN=${names[0]}`,
      issuer: caName,
      notBefore,
      notAfter: new Date(notBefore.getTime() + 825 * DAY),
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: "dns", value }))),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
      ],
    });
    write(join(out, "tls", "ca.pem"), ca.toString("pem") + "\n", 0o644);
    write(join(out, "tls", "server.pem"), `${server.toString("pem")}\n${ca.toString("pem")}\n`, 0o644);
    write(join(out, "tls", "server.key"), await pkcs8Pem(serverKeys.privateKey), 0o644);
  }

  const start = notBefore.toISOString();
  const b64 = (c) => Buffer.from(c.rawData).toString("base64");
  const trustedRoot = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [
      {
        baseUrl: opts["rekor-url"],
        hashAlgorithm: "SHA2_256",
        publicKey: { rawBytes: rekorSpki.toString("base64"), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor: { start } },
        logId: { keyId: createHash("sha256").update(rekorSpki).digest("base64") },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: "Certus TAP (development)", commonName: "Certus Dev Fulcio Root" },
        uri: opts["fulcio-url"],
        certChain: { certificates: [{ rawBytes: b64(fulcioRoot) }] },
        validFor: { start },
      },
    ],
    ctlogs: [
      {
        baseUrl: opts["ctlog-url"],
        hashAlgorithm: "SHA2_256",
        publicKey: { rawBytes: ctSpki.toString("base64"), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor: { start } },
        logId: { keyId: createHash("sha256").update(ctSpki).digest("base64") },
      },
    ],
    timestampAuthorities: [
      {
        subject: { organization: "Certus TAP (development)", commonName: "Certus Dev Timestamping" },
        uri: opts["tsa-url"],
        certChain: { certificates: [{ rawBytes: b64(tsaLeaf) }, { rawBytes: b64(tsaRoot) }] },
        validFor: { start },
      },
    ],
  };
  const service = (url, majorApiVersion) => ({ url, majorApiVersion, validFor: { start }, operator: "certus.local" });
  const signingConfig = {
    mediaType: "application/vnd.dev.sigstore.signingconfig.v0.2+json",
    caUrls: [service(opts["fulcio-url"], 1)],
    oidcUrls: [service(opts["oidc-issuer"], 1)],
    rekorTlogUrls: [service(opts["rekor-url"], 2)],
    rekorTlogConfig: { selector: "ANY" },
    tsaUrls: [service(opts["tsa-url"], 1)],
    tsaConfig: { selector: "ANY" },
  };
  write(join(out, "signing_config.v0.2.json"), `${JSON.stringify(signingConfig, null, 2)}\n`, 0o644);
  // Written last: its presence means the stack is complete (see the idempotence check).
  write(join(out, "trusted_root.json"), `${JSON.stringify(trustedRoot, null, 2)}\n`, 0o644);
  log(`issued the Fulcio CA, the CT log key, the TSA chain and the Rekor v2 key (origin ${opts["rekor-origin"]}) into ${out}`);
}

/** Loads (creating on first use) one TUF role key: a P-256 key file, 0600. */
async function roleKey(role) {
  const file = join(out, "tuf-keys", `${role}.pem`);
  if (!existsSync(file)) {
    const kp = await newKeyPair();
    write(file, await pkcs8Pem(kp.privateKey), 0o600);
  }
  const privateKey = createPrivateKey(readFileSync(file));
  const publicPem = createPublicKey(privateKey).export({ type: "spki", format: "pem" });
  // Key ID: SHA-256 of the key's canonical JSON (sorted keys, no whitespace), as TUF defines it.
  const escape = (s) => s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n");
  const canonical = `{"keytype":"ecdsa","keyval":{"public":"${escape(publicPem)}"},"scheme":"ecdsa-sha2-nistp256"}`;
  const keyID = createHash("sha256").update(canonical, "utf8").digest("hex");
  return { privateKey, key: new Key({ keyID, keyType: "ecdsa", scheme: "ecdsa-sha2-nistp256", keyVal: { public: publicPem } }) };
}

/** Signs `signed` with one role key (ECDSA-SHA256, DER, hex: TUF's ecdsa-sha2-nistp256) and checks it. */
function sign(signed, role) {
  const metadata = new Metadata(signed);
  metadata.sign((data) => new Signature({ keyID: role.key.keyID, sig: cryptoSign("sha256", Buffer.from(data), role.privateKey).toString("hex") }));
  role.key.verifySignature(metadata);
  return Buffer.from(`${JSON.stringify(metadata.toJSON(), null, 2)}\n`);
}

function sha256Hex(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}

async function writeTuf() {
  const expires = new Date(Date.now() + TUF_EXPIRY_MS).toISOString().replace(/\.\d{3}Z$/, "Z");
  const roles = {};
  for (const r of ["root", "targets", "snapshot", "timestamp"]) roles[r] = await roleKey(r);
  // The next versions: a refresh publishes version n+1 of every role, with the same keys.
  const stateFile = join(out, "tuf", "versions.json");
  const previous = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, "utf8")) : { root: 0, targets: 0, snapshot: 0, timestamp: 0 };
  const v = Object.fromEntries(Object.entries(previous).map(([k, n]) => [k, n + 1]));
  // The root does not change on a refresh unless it is about to expire: keep version 1 then.
  if (previous.root > 0) v.root = previous.root;

  mkdirSync(join(tufOut, "targets"), { recursive: true, mode: 0o755 });
  if (previous.root === 0) {
    const root = new Root({ version: v.root, specVersion: TUF_SPEC_VERSION, expires, consistentSnapshot: true });
    for (const [name, r] of Object.entries(roles)) root.addKey(r.key, name);
    write(join(out, "tuf", `${v.root}.root.json`), sign(root, roles.root), 0o644);
  }
  // The root is kept beside the keys, and (re)published: the TUF volume may be newer than the keys.
  const rootBytes = readFileSync(join(out, "tuf", `${v.root}.root.json`));
  write(join(out, "tuf", "root.json"), rootBytes, 0o644);
  write(join(tufOut, `${v.root}.root.json`), rootBytes, 0o644);
  write(join(tufOut, "root.json"), rootBytes, 0o644);
  const targets = {};
  for (const name of ["trusted_root.json", "signing_config.v0.2.json"]) {
    const bytes = readFileSync(join(out, name));
    const sha = sha256Hex(bytes);
    write(join(tufOut, "targets", `${sha}.${name}`), bytes, 0o644);
    targets[name] = new TargetFile({ length: bytes.length, path: name, hashes: { sha256: sha } });
  }
  const targetsBytes = sign(new Targets({ version: v.targets, specVersion: TUF_SPEC_VERSION, expires, targets }), roles.targets);
  write(join(tufOut, `${v.targets}.targets.json`), targetsBytes, 0o644);
  const snapshotBytes = sign(
    new Snapshot({
      version: v.snapshot,
      specVersion: TUF_SPEC_VERSION,
      expires,
      meta: { "targets.json": new MetaFile({ version: v.targets, length: targetsBytes.length, hashes: { sha256: sha256Hex(targetsBytes) } }) },
    }),
    roles.snapshot,
  );
  write(join(tufOut, `${v.snapshot}.snapshot.json`), snapshotBytes, 0o644);
  const timestampBytes = sign(
    new Timestamp({
      version: v.timestamp,
      specVersion: TUF_SPEC_VERSION,
      expires,
      snapshotMeta: new MetaFile({ version: v.snapshot, length: snapshotBytes.length, hashes: { sha256: sha256Hex(snapshotBytes) } }),
    }),
    roles.timestamp,
  );
  write(join(tufOut, "timestamp.json"), timestampBytes, 0o644);
  write(stateFile, `${JSON.stringify(v, null, 2)}\n`, 0o644);
  log(`TUF repository in ${tufOut}: root v${v.root}, targets v${v.targets}, snapshot v${v.snapshot}, timestamp v${v.timestamp}, expiring ${expires}`);
}

mkdirSync(out, { recursive: true, mode: 0o755 });
const complete = existsSync(join(out, "trusted_root.json"));
if (complete && !opts["refresh-tuf"]) {
  log(`${join(out, "trusted_root.json")} exists: the stack's keys are kept as they are`);
  // The TUF volume may be new (e.g. recreated) while the keys are not: publish it again.
  if (!existsSync(join(tufOut, "timestamp.json"))) await writeTuf();
} else {
  if (!complete) await issueStack();
  await writeTuf();
}
