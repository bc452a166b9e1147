/**
 * The request message's own bytes, for handlers that hand a part of it on as bytes (Verify sends
 * each bundle to a verification worker in binary): the part is sliced out of what the client sent
 * instead of being encoded again from the decoded message (issue 20: re-encoding a bundle cost
 * Verify about a tenth of its main-thread time).
 *
 * Only binary protobuf requests that the server decoded ahead of the router
 * (`server/proto-precheck.ts`) carry their bytes; for the others the context value is undefined
 * and handlers encode as before.
 */
import { createContextKey } from "@connectrpc/connect";

/** The uncompressed, unframed bytes of the call's request message, when known. */
export const REQUEST_BYTES = createContextKey<Uint8Array | undefined>(undefined, { description: "the request message's bytes" });

/** Protobuf wire types (https://protobuf.dev/programming-guides/encoding/). */
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/**
 * The values of every occurrence of the length-delimited fields `numbers` at the top level of the
 * protobuf `message`, in wire order, by field number; undefined if the message does not scan (a
 * group, a truncated value: then the caller does without). Each value is a view into `message`.
 */
export function lengthDelimitedFields(message: Uint8Array, numbers: readonly number[]): Map<number, Uint8Array[]> | undefined {
  const out = new Map<number, Uint8Array[]>(numbers.map((n) => [n, []]));
  let at = 0;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = message[at++];
      if (byte === undefined) return undefined;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    return undefined; // longer than a 32-bit tag or length
  };
  while (at < message.length) {
    const tag = varint();
    if (tag === undefined) return undefined;
    const wireType = tag % 8;
    const field = Math.floor(tag / 8);
    if (wireType === VARINT) {
      while ((message[at++] ?? 0) >= 0x80);
    } else if (wireType === I64) at += 8;
    else if (wireType === I32) at += 4;
    else if (wireType === LEN) {
      const length = varint();
      if (length === undefined || at + length > message.length) return undefined;
      out.get(field)?.push(message.subarray(at, at + length));
      at += length;
    } else return undefined;
    if (at > message.length) return undefined;
  }
  return out;
}
