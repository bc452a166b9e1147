/**
 * Differential checks of the hand-assembled time-stamp tokens against independent verifiers:
 * @sigstore/core's RFC3161Timestamp, @sigstore/verify's trusted-root timestamp check, OpenSSL's
 * `ts -verify`, and a strict DER walk. A flipped byte anywhere in the per-token parts (TSTInfo,
 * messageDigest, signature) must make verification fail.
 */
import { ASN1Obj, RFC3161Timestamp } from "@sigstore/core";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toTrustMaterial, type TrustMaterial } from "@sigstore/verify";
// Not exported by the package root; the function the Verifier runs for every RFC 3161 timestamp.
import { verifyRFC3161Timestamp } from "@sigstore/verify/dist/timestamp/tsa.js";
import * as asn1js from "asn1js";
import { execFileSync } from "node:child_process";
import { createHash, createPublicKey, randomBytes, randomInt, type KeyObject } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as pkijs from "pkijs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTrustedRoot } from "../../../src/sigstore/embedded/trusted-root.js";
import { DEFAULT_TSA_POLICY } from "../../../src/sigstore/embedded/tsa.js";
import { openStack } from "../ca/helpers.js";

const SHA256 = "2.16.840.1.101.3.4.2.1";
const RANDOM_INPUTS = 200;
const OPENSSL_INPUTS = 6;

let stack: Awaited<ReturnType<typeof openStack>>;
let trust: TrustMaterial;
let leafKey: KeyObject;
let dir: string;

beforeAll(async () => {
  stack = await openStack();
  const root = buildTrustedRoot({
    ca: stack.ca,
    tsa: stack.tsa,
    tlog: { baseUrl: "http://localhost:8888", publicKeySpki: stack.keys.signer("tlog").publicKeySpki, validFrom: stack.keys.createdAt("tlog") },
  });
  trust = toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(JSON.stringify(root))));
  leafKey = createPublicKey({ key: Buffer.from(stack.tsa.leaf.publicKey.rawData), format: "der", type: "spki" });
  dir = await mkdtemp(path.join(tmpdir(), "certus-tsa-diff-"));
  const [leafPem, rootPem] = stack.tsa.chainPem();
  await writeFile(path.join(dir, "root.pem"), rootPem!);
  await writeFile(path.join(dir, "leaf.pem"), leafPem!);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await stack.cleanup();
});

/** Verifies as @sigstore/verify does for a bundle: authority by issuer and serial, chain at genTime, token. Throws on failure. */
function sigstoreVerify(der: Buffer, data: Buffer): void {
  const timestamp = RFC3161Timestamp.parse(der as Buffer<ArrayBuffer>);
  verifyRFC3161Timestamp(timestamp, data, trust.timestampAuthorities);
  timestamp.verify(data, leafKey);
}

/** True if `openssl ts -verify` accepts `der` for `data` (or for the request in `queryFile`). */
async function opensslAccepts(der: Buffer, input: { data: Buffer } | { queryFile: string }): Promise<boolean> {
  const name = randomBytes(6).toString("hex");
  const replyFile = path.join(dir, `${name}.tsr`);
  await writeFile(replyFile, der);
  const args = ["ts", "-verify", "-in", replyFile, "-CAfile", path.join(dir, "root.pem"), "-untrusted", path.join(dir, "leaf.pem")];
  if ("data" in input) {
    const dataFile = path.join(dir, `${name}.bin`);
    await writeFile(dataFile, input.data);
    args.push("-data", dataFile);
  } else {
    args.push("-queryfile", input.queryFile);
  }
  try {
    return execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] })
      .toString()
      .includes("Verification: OK");
  } catch {
    return false;
  }
}

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Byte ranges of the parts that differ per token: TSTInfo, messageDigest OCTET STRING, signature OCTET STRING. */
function variableParts(der: Buffer): { name: string; start: number; end: number }[] {
  const ts = RFC3161Timestamp.parse(der as Buffer<ArrayBuffer>);
  const locate = (name: string, part: Buffer) => {
    const start = der.indexOf(part);
    expect(start, name).toBeGreaterThan(0);
    expect(der.indexOf(part, start + 1), `${name} occurs once`).toBe(-1);
    return { name, start, end: start + part.length };
  };
  const digest = createHash("sha256").update(ts.tstInfo.raw).digest();
  const signature = ts.signatureValue;
  return [
    locate("TSTInfo", ts.tstInfo.raw),
    locate("messageDigest", Buffer.concat([Buffer.from([0x04, digest.length]), digest])),
    locate("signature", Buffer.concat([Buffer.from([0x04, signature.length]), signature])),
  ];
}

/**
 * Throws unless `der` is strict DER wherever it is structured: definite minimal lengths, minimal
 * INTEGERs, and SET OF elements in ascending order (the signed attributes' [0] IMPLICIT SET too).
 */
function assertStrictDer(der: Uint8Array, start = 0, end = der.length, setOf = false): void {
  const check = (ok: boolean, what: string, at: number) => {
    if (!ok) throw new Error(`not strict DER at byte ${at}: ${what}`);
  };
  const elements: Uint8Array[] = [];
  let offset = start;
  while (offset < end) {
    const tag = der[offset]!;
    check((tag & 0x1f) !== 0x1f, "high tag number", offset);
    let length = der[offset + 1]!;
    let header = 2;
    if (length & 0x80) {
      const n = length & 0x7f;
      check(n > 0, "indefinite length", offset);
      check(der[offset + 2] !== 0, "leading zero in a length", offset);
      length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + der[offset + 2 + i]!;
      check(length >= 128, "long form below 128", offset);
      header += n;
    }
    const contentStart = offset + header;
    const contentEnd = contentStart + length;
    check(contentEnd <= end, "length past the end", offset);
    if (tag === 0x02) {
      const [a, b] = [der[contentStart]!, der[contentStart + 1]!];
      check(length > 0 && !(length > 1 && ((a === 0x00 && b < 0x80) || (a === 0xff && b >= 0x80))), "INTEGER not minimal", offset);
    }
    if (tag & 0x20) assertStrictDer(der, contentStart, contentEnd, tag === 0x31 || tag === 0xa0);
    elements.push(der.subarray(offset, contentEnd));
    offset = contentEnd;
  }
  check(offset === end, "trailing bytes", offset);
  // [0] IMPLICIT holds a SET OF in CMS (certificates, signed attributes) but is also an EXPLICIT
  // wrapper of one element elsewhere, which the order check passes trivially.
  if (setOf) {
    for (let i = 1; i < elements.length; i++) check(Buffer.compare(elements[i - 1]!, elements[i]!) <= 0, "SET OF order", start);
  }
}

describe("EmbeddedTSA.timestamp tokens, differentially", () => {
  it("(the strict DER walk of these tests refuses non-DER)", () => {
    expect(() => assertStrictDer(Buffer.from("3006020102020101", "hex"))).not.toThrow();
    expect(() => assertStrictDer(Buffer.from("3106020102020101", "hex"))).toThrow(/SET OF order/);
    expect(() => assertStrictDer(Buffer.from("308103020101", "hex"))).toThrow(/long form/);
    expect(() => assertStrictDer(Buffer.from("300402020005", "hex"))).toThrow(/INTEGER/);
  });

  it(`verify with @sigstore/core and @sigstore/verify for ${RANDOM_INPUTS} random inputs, and not for other data`, async () => {
    const serials = new Set<string>();
    for (let i = 0; i < RANDOM_INPUTS; i++) {
      const data = randomBytes(randomInt(0, 200));
      const der = await stack.tsa.timestamp(data);
      expect(() => sigstoreVerify(der, data)).not.toThrow();
      expect(() => RFC3161Timestamp.parse(der).verify(Buffer.concat([data, Buffer.from([0])]), leafKey)).toThrow();
      expect(ASN1Obj.parseBuffer(der).toDER().equals(der)).toBe(true);
      assertStrictDer(der);
      const ts = RFC3161Timestamp.parse(der);
      expect(ts.signingTime.getTime() % 1000).toBe(0);
      serials.add(pkijs.TSTInfo.fromBER(ts.tstInfo.raw).serialNumber.valueBlock.toString());
    }
    expect(serials.size).toBe(RANDOM_INPUTS);
  });

  it("carries what pkijs reads as the same token the pkijs builder made", async () => {
    const data = randomBytes(71);
    const der = await stack.tsa.timestamp(data);
    const resp = pkijs.TimeStampResp.fromBER(der);
    expect(resp.status.status).toBe(pkijs.PKIStatus.granted);
    const signed = new pkijs.SignedData({ schema: resp.timeStampToken!.content });
    expect(signed.version).toBe(3);
    expect(signed.certificates).toHaveLength(1);
    expect(Buffer.from((signed.certificates![0] as pkijs.Certificate).toSchema().toBER(false))).toEqual(stack.tsa.chainDer()[0]);
    const info = pkijs.TSTInfo.fromBER(signed.encapContentInfo.eContent!.valueBlock.valueHexView);
    expect(info.version).toBe(1);
    expect(info.policy).toBe(DEFAULT_TSA_POLICY);
    expect(info.accuracy?.seconds).toBe(1);
    expect(info.nonce).toBeUndefined();
    expect(info.messageImprint.hashAlgorithm.algorithmId).toBe(SHA256);
    expect(Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView)).toEqual(createHash("sha256").update(data).digest());
    const signerInfo = signed.signerInfos[0]!;
    expect(signed.signerInfos).toHaveLength(1);
    expect(signerInfo.signedAttrs!.attributes.map((a) => a.type)).toEqual([
      "1.2.840.113549.1.9.3", // contentType
      "1.2.840.113549.1.9.4", // messageDigest
      "1.2.840.113549.1.9.16.2.47", // signingCertificateV2
    ]);
    const sid = signerInfo.sid as pkijs.IssuerAndSerialNumber;
    const leaf = pkijs.Certificate.fromBER(stack.tsa.chainDer()[0]!);
    expect(Buffer.from(sid.issuer.toSchema().toBER(false))).toEqual(Buffer.from(leaf.issuer.toSchema().toBER(false)));
    expect(sid.serialNumber.isEqual(leaf.serialNumber)).toBe(true);
  });

  it("fails @sigstore/core verification with any byte of a per-token part flipped", async () => {
    for (let round = 0; round < 3; round++) {
      const data = randomBytes(72);
      const der = await stack.tsa.timestamp(data);
      for (const part of variableParts(der)) {
        // @sigstore/core takes the signature's value whatever its tag (the bytes verified are the
        // same); openssl refuses such a token, see below. Everything else counts.
        const from = part.name === "signature" ? part.start + 1 : part.start;
        for (let at = from; at < part.end; at++) {
          for (const mask of [0x01, 0x80, 1 + randomInt(255)]) {
            const bad = Buffer.from(der);
            bad[at]! ^= mask;
            // The token check alone: the authority lookup and chain check add only reads of the sid
            // (constant) and genTime (in the TSTInfo, which the token check covers).
            expect(() => RFC3161Timestamp.parse(bad).verify(data, leafKey), `${part.name} byte ${at - part.start} ^ ${mask}`).toThrow();
          }
        }
      }
    }
  });

  describe.runIf(hasOpenssl())("with openssl", () => {
    it(`are accepted by openssl ts -verify for ${OPENSSL_INPUTS} random inputs`, async () => {
      for (let i = 0; i < OPENSSL_INPUTS; i++) {
        const data = randomBytes(randomInt(1, 300));
        const der = await stack.tsa.timestamp(data);
        expect(await opensslAccepts(der, { data })).toBe(true);
        expect(await opensslAccepts(der, { data: Buffer.concat([data, Buffer.from([1])]) })).toBe(false);
      }
    });

    it("are refused by openssl ts -verify with a byte of a per-token part flipped", async () => {
      const data = randomBytes(71);
      const der = await stack.tsa.timestamp(data);
      expect(await opensslAccepts(der, { data })).toBe(true);
      for (const part of variableParts(der)) {
        // The part's tag, its first content byte, its middle and its last byte.
        for (const at of [part.start, part.start + 2, (part.start + part.end) >> 1, part.end - 1]) {
          const bad = Buffer.from(der);
          bad[at]! ^= 0x01;
          expect(await opensslAccepts(bad, { data }), `${part.name} byte ${at - part.start}`).toBe(false);
        }
      }
    });

    it("answers requests with nonces of every shape that openssl ts -verify -queryfile accepts", async () => {
      // Short, long, with the high bit set (a 0x00 pad on the wire) and a negative one.
      const nonces = [Buffer.from([0x05]), positive(8), Buffer.from([0x00, 0x80, 0x01]), Buffer.from([0xff, 0x10]), positive(32)];
      for (const nonce of nonces) {
        const digest = randomBytes(32);
        const query = timeStampRequest(digest, nonce);
        const queryFile = path.join(dir, `${randomBytes(6).toString("hex")}.tsq`);
        await writeFile(queryFile, query);
        const der = await stack.tsa.respond(query);
        assertStrictDer(der);
        const echoed = pkijs.TSTInfo.fromBER(RFC3161Timestamp.parse(der).tstInfo.raw).nonce!;
        expect(echoed.isEqual(pkijs.TimeStampReq.fromBER(query).nonce!)).toBe(true);
        expect(await opensslAccepts(der, { queryFile })).toBe(true);
      }
    });
  });

  it("echoes a BER-padded nonce with the same value, minimally encoded", async () => {
    // 02 03 00 00 05: the value 5 with two redundant leading zeros.
    const query = timeStampRequest(randomBytes(32), Buffer.from([0x00, 0x00, 0x05]));
    const der = await stack.tsa.respond(query);
    assertStrictDer(der);
    const info = pkijs.TSTInfo.fromBER(RFC3161Timestamp.parse(der).tstInfo.raw);
    expect(info.nonce?.valueBlock.valueDec).toBe(5);
    expect(Buffer.from(info.nonce!.valueBlock.valueHexView)).toEqual(Buffer.from([0x05]));
  });

  it("grants SHA-384 and SHA-512 imprints with the request's algorithm", async () => {
    for (const [oid, bytes] of [
      ["2.16.840.1.101.3.4.2.2", 48],
      ["2.16.840.1.101.3.4.2.3", 64],
    ] as const) {
      const digest = randomBytes(bytes);
      const der = await stack.tsa.respond(timeStampRequest(digest, undefined, oid));
      assertStrictDer(der);
      const info = pkijs.TSTInfo.fromBER(RFC3161Timestamp.parse(der).tstInfo.raw);
      expect(info.messageImprint.hashAlgorithm.algorithmId).toBe(oid);
      expect(Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView)).toEqual(digest);
    }
  });
});

/** A DER TimeStampReq with certReq; the nonce is given as raw INTEGER content bytes (possibly padded). */
function timeStampRequest(digest: Buffer, nonce?: Buffer, hashAlgorithm = SHA256): Buffer {
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: hashAlgorithm }),
      hashedMessage: new asn1js.OctetString({ valueHex: digest }),
    }),
    certReq: true,
  });
  const der = Buffer.from(request.toSchema().toBER(false));
  if (nonce === undefined) return der;
  expect(der[1]).toBeLessThan(0x80);
  // Splice the nonce in by hand so that its bytes are exactly as given: before certReq (01 01 ff).
  const certReq = der.subarray(der.length - 3);
  const body = Buffer.concat([der.subarray(2, der.length - 3), Buffer.from([0x02, nonce.length]), nonce, certReq]);
  expect(body.length).toBeLessThan(128);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** `bytes` random bytes that are a minimal DER INTEGER content of a positive value. */
function positive(bytes: number): Buffer {
  const value = randomBytes(bytes);
  value[0] = (value[0]! & 0x7f) | 0x01;
  return value;
}
