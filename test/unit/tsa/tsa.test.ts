import { ASN1Obj, RFC3161Timestamp } from "@sigstore/core";
import * as asn1js from "asn1js";
import { execFileSync } from "node:child_process";
import { createPublicKey, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as pkijs from "pkijs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TSA_POLICY } from "../../../src/sigstore/embedded/tsa.js";
import { openStack } from "../ca/helpers.js";

let stack: Awaited<ReturnType<typeof openStack>>;
beforeAll(async () => {
  stack = await openStack();
});
afterAll(async () => {
  await stack.cleanup();
});

const SHA256 = "2.16.840.1.101.3.4.2.1";

function request(options: { digest?: Buffer; alg?: string; nonce?: number; certReq?: boolean; policy?: string } = {}): Buffer {
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: options.alg ?? SHA256 }),
      hashedMessage: new asn1js.OctetString({ valueHex: options.digest ?? randomBytes(32) }),
    }),
    ...(options.nonce !== undefined ? { nonce: new asn1js.Integer({ value: options.nonce }) } : {}),
    ...(options.certReq !== undefined ? { certReq: options.certReq } : {}),
    ...(options.policy ? { reqPolicy: options.policy } : {}),
  });
  return Buffer.from(req.toSchema().toBER(false));
}

function parseResponse(der: Buffer): pkijs.TimeStampResp {
  return pkijs.TimeStampResp.fromBER(der);
}

function tstInfoOf(resp: pkijs.TimeStampResp): pkijs.TSTInfo {
  const signed = new pkijs.SignedData({ schema: resp.timeStampToken!.content });
  const econtent = signed.encapContentInfo.eContent!;
  return pkijs.TSTInfo.fromBER(econtent.valueBlock.valueHexView);
}

describe("EmbeddedTSA.timestamp", () => {
  it("returns a TimeStampResp that @sigstore/core verifies against the TSA leaf", async () => {
    const data = Buffer.from("a signature's bytes");
    const der = await stack.tsa.timestamp(data);
    const ts = RFC3161Timestamp.parse(der);
    expect(ts.status).toBe(0n);
    expect(ts.eContentType).toBe("1.2.840.113549.1.9.16.1.4");
    const leafKey = createPublicKey({ key: Buffer.from(stack.tsa.leaf.publicKey.rawData), format: "der", type: "spki" });
    expect(() => ts.verify(data, leafKey)).not.toThrow();
    expect(() => ts.verify(Buffer.from("other bytes"), leafKey)).toThrow();
    expect(ts.signingTime.getTime() % 1000).toBe(0);
    expect(ts.signerSerialNumber.toString("hex")).toBe(stack.tsa.leaf.serialNumber.toLowerCase().padStart(ts.signerSerialNumber.length * 2, "0"));
    // DER the stock parser re-encodes unchanged.
    expect(ASN1Obj.parseBuffer(der).toDER()).toEqual(der);
  });
});

describe("EmbeddedTSA.respond", () => {
  it("grants a SHA-256 request, echoes the nonce and includes the certificate on certReq", async () => {
    const digest = randomBytes(32);
    const resp = parseResponse(await stack.tsa.respond(request({ digest, nonce: 4242, certReq: true })));
    expect(resp.status.status).toBe(pkijs.PKIStatus.granted);
    const info = tstInfoOf(resp);
    expect(info.nonce?.valueBlock.valueDec).toBe(4242);
    expect(info.policy).toBe(DEFAULT_TSA_POLICY);
    expect(Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView)).toEqual(digest);
    const signed = new pkijs.SignedData({ schema: resp.timeStampToken!.content });
    expect(signed.certificates).toHaveLength(1);
  });

  it("leaves the certificate out without certReq", async () => {
    const resp = parseResponse(await stack.tsa.respond(request()));
    const signed = new pkijs.SignedData({ schema: resp.timeStampToken!.content });
    expect(signed.certificates ?? []).toHaveLength(0);
  });

  it.each([
    ["garbage", Buffer.from("not asn.1 at all"), 5],
    ["empty", Buffer.alloc(0), 5],
    ["oversized", Buffer.alloc(64 * 1024, 0x30), 5],
    ["trailing bytes", Buffer.concat([request(), Buffer.from([0])]), 5],
    ["SHA-1", request({ alg: "1.3.14.3.2.26", digest: randomBytes(20) }), 0],
    ["wrong digest length", request({ digest: randomBytes(31) }), 5],
    ["foreign policy", request({ policy: "1.2.3.4" }), 15],
  ])("rejects %s with a failInfo, without throwing", async (_name, body, bit) => {
    const resp = parseResponse(await stack.tsa.respond(body));
    expect(resp.status.status).toBe(pkijs.PKIStatus.rejection);
    expect(resp.timeStampToken).toBeUndefined();
    const bits = new Uint8Array(resp.status.failInfo!.valueBlock.valueHexView);
    expect(bits[bit >> 3]! & (0x80 >> (bit & 7))).not.toBe(0);
  });
});

/** Runs openssl quietly (it chats on stderr), returning stdout. */
function openssl(...args: string[]): string {
  return execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] }).toString();
}

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe.runIf(hasOpenssl())("interop with openssl ts", () => {
  it("answers an `openssl ts -query` that `openssl ts -verify` accepts", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "certus-tsa-openssl-"));
    try {
      const dataFile = path.join(dir, "data.bin");
      await writeFile(dataFile, randomBytes(100));
      const queryFile = path.join(dir, "req.tsq");
      openssl("ts", "-query", "-data", dataFile, "-sha256", "-cert", "-out", queryFile);
      const replyFile = path.join(dir, "resp.tsr");
      await writeFile(replyFile, await stack.tsa.respond(await readFile(queryFile)));
      const text = openssl("ts", "-reply", "-in", replyFile, "-text");
      expect(text).toContain("Status: Granted.");
      const [leafPem, rootPem] = stack.tsa.chainPem();
      await writeFile(path.join(dir, "root.pem"), rootPem!);
      await writeFile(path.join(dir, "leaf.pem"), leafPem!);
      const chainArgs = ["-in", replyFile, "-CAfile", path.join(dir, "root.pem"), "-untrusted", path.join(dir, "leaf.pem")];
      const verified = openssl("ts", "-verify", "-data", dataFile, ...chainArgs);
      expect(verified).toContain("Verification: OK");
      // The nonce openssl sent is checked by -queryfile.
      const withQuery = openssl("ts", "-verify", "-queryfile", queryFile, ...chainArgs);
      expect(withQuery).toContain("Verification: OK");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
