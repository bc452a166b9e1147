/**
 * Key material for the real Sigstore stack's restartable modes (test/helpers/sigstore-stack.ts):
 * a file CA for Fulcio (`--ca fileca`) and a file signer for the timestamp-authority
 * (`--timestamp-signer file`). With the ephemeral CA and the memory signer a restarted server
 * comes back with new keys, and the trusted root no longer names it; with these it comes back as
 * the same authority.
 *
 * Every private key file is 0600. Fulcio reads its CA key as encrypted PKCS#8
 * (`--fileca-key-passwd`); its password is random and kept beside it in a 0600 file.
 */
import { createPrivateKey, randomBytes, webcrypto } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 86_400_000;

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
}

async function pkcs8Pem(key: webcrypto.CryptoKey, passphrase?: string): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  const k = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  const pem = passphrase ? k.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase }) : k.export({ type: "pkcs8", format: "pem" });
  return pem.toString();
}

const window = () => {
  const notBefore = new Date(Date.now() - 60_000);
  return { notBefore, notAfter: new Date(notBefore.getTime() + 30 * DAY) };
};

export interface FulcioFileCa {
  readonly certPath: string;
  readonly keyPath: string;
  readonly passwordPath: string;
  readonly password: string;
}

/** A self-signed P-256 root for Fulcio's file CA (it signs the leaf certificates directly). */
export async function writeFulcioFileCa(dir: string): Promise<FulcioFileCa> {
  mkdirSync(dir, { recursive: true });
  const keys = await keyPair();
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString("hex"),
    name: "CN=Certus Test Fulcio Root, O=Certus TAP (test)",
    ...window(),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const password = randomBytes(18).toString("base64url");
  const certPath = join(dir, "ca.pem");
  const keyPath = join(dir, "ca.key");
  const passwordPath = join(dir, "ca.password");
  writeFileSync(certPath, `${root.toString("pem")}\n`);
  writeFileSync(keyPath, await pkcs8Pem(keys.privateKey, password), { mode: 0o600 });
  writeFileSync(passwordPath, password, { mode: 0o600 });
  return { certPath, keyPath, passwordPath, password };
}

export interface TsaFileSigner {
  readonly keyPath: string;
  /** Leaf (critical timeStamping EKU) first, then its root. */
  readonly chainPath: string;
}

/** A TSA root and its timestamping leaf, for `--timestamp-signer file`. */
export async function writeTsaFileSigner(dir: string): Promise<TsaFileSigner> {
  mkdirSync(dir, { recursive: true });
  const rootKeys = await keyPair();
  const leafKeys = await keyPair();
  const rootName = "CN=Certus Test TSA Root, O=Certus TAP (test)";
  const w = window();
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString("hex"),
    name: rootName,
    ...w,
    keys: rootKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(8).toString("hex"),
    subject: "CN=Certus Test Timestamping, O=Certus TAP (test)",
    issuer: rootName,
    ...w,
    publicKey: leafKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping], true),
      await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const keyPath = join(dir, "signer.key");
  const chainPath = join(dir, "chain.pem");
  writeFileSync(keyPath, await pkcs8Pem(leafKeys.privateKey), { mode: 0o600 });
  writeFileSync(chainPath, `${leaf.toString("pem")}\n${root.toString("pem")}\n`);
  return { keyPath, chainPath };
}
