/**
 * The public keys of an external trusted root, in GetKeys' form: each CA and TSA chain (the last
 * certificate is the root, the others intermediates or the TSA leaf) and each log key, with the
 * validity the trusted root gives them. Entries the trusted root does not describe well enough
 * (an unparseable certificate) are skipped: GetKeys still serves the trusted root itself.
 */
import { pem } from "@sigstore/core";
import { createHash, X509Certificate } from "node:crypto";
import type { PublishedKey } from "../trust-root-source.js";
import { field } from "./json-fields.js";

const spkiPem = (spki: Buffer) => pem.fromDER(spki, "PUBLIC KEY");

function validity(v: unknown): { validFrom: Date; validTo?: Date } {
  const rawStart = field(v, "start");
  const rawEnd = field(v, "end");
  const start = typeof rawStart === "string" ? new Date(rawStart) : new Date(0);
  const end = typeof rawEnd === "string" ? new Date(rawEnd) : undefined;
  return { validFrom: Number.isNaN(start.getTime()) ? new Date(0) : start, ...(end && !Number.isNaN(end.getTime()) ? { validTo: end } : {}) };
}

function key(purpose: PublishedKey["purpose"], spki: Buffer, window: { validFrom: Date; validTo?: Date }): PublishedKey {
  return { purpose, keyId: createHash("sha256").update(spki).digest("hex"), publicKeyPem: spkiPem(spki), ...window };
}

function chainKeys(authorities: unknown, leafPurpose: PublishedKey["purpose"], rootPurpose: PublishedKey["purpose"]): PublishedKey[] {
  if (!Array.isArray(authorities)) return [];
  return authorities.flatMap((a: unknown) => {
    const certs = field(field(a, "certChain"), "certificates");
    if (!Array.isArray(certs)) return [];
    const window = validity(field(a, "validFor"));
    return certs.flatMap((c: unknown, i: number) => {
      try {
        const spki = new X509Certificate(Buffer.from(String(field(c, "rawBytes")), "base64")).publicKey.export({ type: "spki", format: "der" });
        return [key(i === certs.length - 1 ? rootPurpose : leafPurpose, spki, window)];
      } catch {
        return [];
      }
    });
  });
}

/** Every key of `trustedRoot`. */
export function publishedKeysOf(trustedRoot: Readonly<Record<string, unknown>>): PublishedKey[] {
  const rawTlogs = trustedRoot["tlogs"];
  const tlogs: unknown[] = Array.isArray(rawTlogs) ? rawTlogs : [];
  return [
    ...chainKeys(trustedRoot["certificateAuthorities"], "CA_INTERMEDIATE", "CA_ROOT"),
    ...tlogs.flatMap((t) => {
      const publicKey = field(t, "publicKey");
      const rawBytes = field(publicKey, "rawBytes");
      return typeof rawBytes === "string" ? [key("TLOG", Buffer.from(rawBytes, "base64"), validity(field(publicKey, "validFor")))] : [];
    }),
    ...chainKeys(trustedRoot["timestampAuthorities"], "TSA", "TSA_ROOT"),
  ];
}
