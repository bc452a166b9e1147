import { createHash, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkpointBody, keyHint, signCheckpoint } from "../../../src/sigstore/rekor/checkpoint.js";
import { CheckpointError, MAX_NOTE_BYTES, parseSignedNote, verifySignedCheckpoint } from "../../../src/sigstore/rekor/signed-note.js";
import { makeSigner } from "./fixtures.js";

const ORIGIN = "tlog.certus.example";
const root = createHash("sha256").update("root").digest();

async function signed() {
  const signer = makeSigner();
  const note = await signCheckpoint({ origin: ORIGIN, treeSize: 42, rootHash: root }, signer);
  return { signer, note };
}

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CheckpointError);
    return (err as CheckpointError).reason;
  }
  return undefined;
}

describe("signed checkpoint", () => {
  it("has the C2SP layout and a signature node:crypto verifies", async () => {
    const { signer, note } = await signed();
    const body = `${ORIGIN}\n42\n${root.toString("base64")}\n`;
    expect(checkpointBody({ origin: ORIGIN, treeSize: 42, rootHash: root })).toBe(body);
    expect(note.startsWith(`${body}\n\u2014 ${ORIGIN} `)).toBe(true);
    expect(note.endsWith("\n")).toBe(true);
    const blob = Buffer.from(note.slice(note.lastIndexOf(" ") + 1, -1), "base64");
    const logId = createHash("sha256").update(signer.publicKeySpki).digest();
    expect(blob.subarray(0, 4).equals(logId.subarray(0, 4))).toBe(true);
    expect(keyHint(signer.publicKeySpki).equals(logId.subarray(0, 4))).toBe(true);
    expect(verify("sha256", Buffer.from(body), signer.publicKey, blob.subarray(4))).toBe(true);
  });

  it("parses and verifies with the log key", async () => {
    const { signer, note } = await signed();
    const cp = verifySignedCheckpoint(note, { name: ORIGIN, publicKey: signer.publicKeySpki, origin: ORIGIN });
    expect(cp.treeSize).toBe(42);
    expect(cp.rootHash.equals(root)).toBe(true);
    expect(verifySignedCheckpoint(Buffer.from(note), { name: ORIGIN, publicKey: signer.publicKey }).origin).toBe(ORIGIN);
  });

  it("rejects tampering with a typed reason", async () => {
    const { signer, note } = await signed();
    const key = { name: ORIGIN, publicKey: signer.publicKeySpki };
    const check = (text: string) => reasonOf(() => verifySignedCheckpoint(text, key));
    expect(check(note.replace("\n42\n", "\n43\n"))).toBe("BAD_SIGNATURE");
    const otherRoot = createHash("sha256").update("other").digest().toString("base64");
    expect(check(note.replace(root.toString("base64"), otherRoot))).toBe("BAD_SIGNATURE");
    const sig = note.slice(note.lastIndexOf(" ") + 1, -1);
    const flipped = Buffer.from(sig, "base64");
    flipped[flipped.length - 3]! ^= 1;
    expect(check(note.replace(sig, flipped.toString("base64")))).toBe("BAD_SIGNATURE");
    expect(check(note.slice(0, -1))).toBe("MALFORMED_NOTE"); // final newline required
    expect(check(note.replace("\n\n", "\n"))).toBe("MALFORMED_NOTE");
    expect(check(note.replace(`\u2014 ${ORIGIN}`, "\u2014 other.log"))).toBe("UNKNOWN_KEY");
    expect(check(note.replace("\n42\n", "\n042\n"))).toBe("MALFORMED_CHECKPOINT");
    expect(check(note.replace("\n42\n", "\n99999999999999999999\n"))).toBe("MALFORMED_CHECKPOINT");
    expect(check(note.replace(root.toString("base64"), "AAAA"))).toBe("MALFORMED_CHECKPOINT");
    expect(check(note.replace(sig, `${sig}!`))).toBe("MALFORMED_NOTE");
    expect(reasonOf(() => verifySignedCheckpoint(note, { ...key, publicKey: makeSigner().publicKeySpki }))).toBe("UNKNOWN_KEY");
    expect(reasonOf(() => verifySignedCheckpoint(note, { ...key, origin: "elsewhere" }))).toBe("WRONG_ORIGIN");
  });

  it("never lets hostile input escape as a raw error", () => {
    const hostile = [
      "",
      "\n\n",
      "a\n\n",
      "a\n\n\u2014 \n",
      "a\n\n\u2014 n AAAA\n",
      "a\nb\nc\n\n\u2014 n AAAAAAAA\n",
      "x".repeat(MAX_NOTE_BYTES + 1),
      "a\u0000\n\n\u2014 n AAAAAAAA\n",
      "\ud800\n\n\u2014 n AAAAAAAA\n",
      `o\n1\n${"A".repeat(43)}=\n\n` + "\u2014 n AAAAAAAA\n".repeat(101),
    ];
    for (const text of hostile) {
      expect(reasonOf(() => verifySignedCheckpoint(text, { name: "n", publicKey: makeSigner().publicKeySpki }))).toBeDefined();
    }
    expect(reasonOf(() => parseSignedNote(Buffer.from([0xff, 0x0a, 0x0a])))).toBe("MALFORMED_NOTE");
  });
});
