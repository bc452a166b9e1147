/**
 * TLS to the state database, against a real PostgreSQL that requires it: `verify-full` with the
 * CA file connects (and the session is encrypted), an unknown CA or a name the certificate does
 * not hold is refused, `verify-ca` checks the chain only, and no TLS is refused by the server.
 */
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { PostgresStateStore } from "../../src/state/postgres/postgres-state-store.js";
import { runCli } from "../helpers/cli.js";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../helpers/postgres.js";
import { tempDir } from "../helpers/server.js";

x509.cryptoProvider.set(webcrypto);
const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const log = createLogger("silent");

async function keyPem(k: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", k));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString("base64")
    .match(/.{1,64}/g)!
    .join("\n")}\n-----END PRIVATE KEY-----\n`;
}

/** A CA and, if `dns` is given, a server certificate it issues for that name. */
async function pki(dns: string): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const caKeys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=test database CA",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const keys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: "02",
    subject: `CN=${dns}`,
    issuer: ca.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: dns }]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  return { caPem: ca.toString("pem"), certPem: leaf.toString("pem"), keyPem: await keyPem(keys.privateKey) };
}

describe.skipIf(postgresSkipReason !== undefined)("TLS to the PostgreSQL state store", () => {
  let pg: TestPostgres;
  let dir: string;
  let caFile: string;
  let otherCaFile: string;
  let base: URL;
  beforeAll(async () => {
    const tls = await pki("localhost");
    pg = await startTestPostgres({ tls });
    dir = tempDir();
    caFile = join(dir, "ca.pem");
    writeFileSync(caFile, tls.caPem);
    otherCaFile = join(dir, "other-ca.pem");
    writeFileSync(otherCaFile, (await pki("localhost")).caPem);
    base = new URL(pg.url);
  });
  afterAll(async () => {
    await pg?.destroy();
  });

  const urlWith = (host: string, sslmode: string) => `postgres://${base.username}:${base.password}@${host}:${base.port}/certus?sslmode=${sslmode}`;

  it("connects with verify-full and the CA file, encrypted", async () => {
    const store = await PostgresStateStore.open({ url: urlWith("localhost", "verify-full"), caFile, log });
    try {
      await store.audit.append({ caller: "tls-test", action: "verify", verdict: "verified" });
      const r = await store.db.pool.query<{ ssl: boolean }>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
      expect(r.rows[0]!.ssl).toBe(true);
    } finally {
      await store.close();
    }
    const cli = await runCli(["audit", "verify", "--database-url", urlWith("localhost", "verify-full"), "--database-ca-file", caFile]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain("audit trail intact: 1 events");
  });

  it("refuses a server whose certificate does not chain to the CA, or does not name the host", async () => {
    await expect(PostgresStateStore.open({ url: urlWith("localhost", "verify-full"), caFile: otherCaFile, log })).rejects.toThrow(/certificate/);
    await expect(PostgresStateStore.open({ url: urlWith("localhost", "verify-full"), log })).rejects.toThrow(/certificate/);
    await expect(PostgresStateStore.open({ url: urlWith("127.0.0.1", "verify-full"), caFile, log })).rejects.toThrow(
      /IP: 127\.0\.0\.1 is not in the cert's list|altnames/,
    );
    // verify-ca checks the chain, not the name.
    const store = await PostgresStateStore.open({ url: urlWith("127.0.0.1", "verify-ca"), caFile, log });
    await store.close();
  });

  it("is refused by a server that requires TLS when TLS is off", async () => {
    await expect(PostgresStateStore.open({ url: urlWith("127.0.0.1", "disable"), log })).rejects.toThrow(/pg_hba\.conf rejects connection.*no encryption/);
  });
});
