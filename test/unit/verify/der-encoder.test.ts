/**
 * The one-allocation DER encoder (`der-encoder.ts`) against `@sigstore/core`'s own `toDER`: the
 * same bytes for every node of every certificate and RFC 3161 timestamp in the conformance
 * corpus, for trees edited the way the library edits them (the SCT extension removed), and for
 * random trees with long (two- and three-byte) length fields. Outside `withFastDer` the library's
 * encoder answers.
 */
import { ASN1Obj } from "@sigstore/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeDer, libraryToDer, withFastDer } from "../../../src/sigstore/verify/der-encoder.js";
import { loadCases } from "../../conformance/cases.js";
import { fixturesUnavailable } from "./fixtures.js";

/** Every base64 string in the bundle that parses as ASN.1 (certificates, timestamps, signatures). */
function asn1Blobs(value: unknown, out: Buffer[] = []): Buffer[] {
  if (typeof value === "string" && value.length > 16 && /^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    const bytes = Buffer.from(value, "base64");
    try {
      ASN1Obj.parseBuffer(bytes);
      out.push(bytes);
    } catch {
      // not DER
    }
  } else if (Array.isArray(value)) {
    for (const v of value) asn1Blobs(v, out);
  } else if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) asn1Blobs(v, out);
  }
  return out;
}

function eachNode(node: ASN1Obj, visit: (n: ASN1Obj) => void): void {
  visit(node);
  for (const sub of node.subs) eachNode(sub, visit);
}

function sameAsLibrary(node: ASN1Obj): void {
  expect(encodeDer(node).equals(libraryToDer.call(node))).toBe(true);
}

describe.skipIf(fixturesUnavailable !== undefined)("DER encoder: the conformance corpus", () => {
  it("encodes every node of every certificate and timestamp as the library does", () => {
    let nodes = 0;
    const blobs = loadCases().flatMap((c) => [...asn1Blobs(c.bundle), ...asn1Blobs(c.trustedRoot)]);
    expect(blobs.length).toBeGreaterThan(100);
    for (const blob of blobs) {
      const root = ASN1Obj.parseBuffer(blob as Buffer<ArrayBuffer>);
      eachNode(root, (n) => {
        sameAsLibrary(n);
        nodes++;
      });
      // Parsed from DER, the whole re-encodes to the original bytes.
      expect(encodeDer(root).equals(libraryToDer.call(root))).toBe(true);
    }
    expect(nodes).toBeGreaterThan(10_000);
  });

  it("encodes edited trees (a child removed, as the SCT check does) as the library does", () => {
    for (const blob of loadCases()
      .flatMap((c) => asn1Blobs(c.bundle))
      .slice(0, 200)) {
      const root = ASN1Obj.parseBuffer(blob as Buffer<ArrayBuffer>);
      eachNode(root, (n) => {
        if (n.subs.length > 1) {
          n.subs.splice(0, 1);
          sameAsLibrary(root);
        }
      });
    }
  });
});

describe("DER encoder: random trees", () => {
  const tagOf = (t: number) => ASN1Obj.parseBuffer(Buffer.from([t, 0])).tag;
  type Tree = { tag: number; value: Uint8Array; subs: Tree[] };
  const tag = fc.constantFrom(0x02, 0x04, 0x05, 0x06, 0x0c, 0x30, 0x31, 0xa0, 0xa3, 0x80);
  const value = fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc.uint8Array({ minLength: 120, maxLength: 300 }),
    fc.uint8Array({ minLength: 65_000, maxLength: 70_000 }),
  );
  /** Trees at most `depth` deep; a node with children is encoded from them, its value unused. */
  const treeOf = (depth: number): fc.Arbitrary<Tree> =>
    depth === 0 ? fc.record({ tag, value, subs: fc.constant([]) }) : fc.record({ tag, value, subs: fc.array(treeOf(depth - 1), { maxLength: 3 }) });
  const tree = treeOf(4);
  const build = (t: Tree): ASN1Obj => new ASN1Obj(tagOf(t.tag), Buffer.from(t.value), t.subs.map(build));

  it("agrees with the library, long length fields included", () => {
    fc.assert(
      fc.property(tree, (t) => {
        eachNode(build(t), sameAsLibrary);
      }),
      { numRuns: 40 },
    );
  });

  it("answers with the library's encoder outside withFastDer and its own inside", () => {
    const node = ASN1Obj.parseBuffer(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x07]));
    expect(node.toDER()).toEqual(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x07]));
    expect(withFastDer(() => node.toDER())).toEqual(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x07]));
  });
});
