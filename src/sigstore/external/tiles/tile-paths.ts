/**
 * C2SP tlog-tiles: where a log's hash tiles and entry bundles live, and how an entry bundle is
 * laid out. Pure functions; the bytes they parse come from outside and are treated as hostile.
 *
 * - A tile holds the hashes of up to {@link TILE_WIDTH} consecutive nodes of Merkle level 8·L
 *   (tile level L); a partial tile of W < 256 hashes lives at `<path>.p/<W>` until it fills.
 * - Tile indexes are written in groups of three decimal digits, all but the last prefixed `x`:
 *   1234067 → `x001/x234/067`.
 * - An entry bundle holds up to 256 entries, each a big-endian uint16 length and that many bytes.
 */

/** Hashes (or entries) per full tile. */
export const TILE_WIDTH = 256;
/** Merkle levels covered by one tile level (log2 of {@link TILE_WIDTH}). */
export const TILE_HEIGHT = 8;
/** Size of one hash in a tile, in bytes (SHA-256). */
export const TILE_HASH_BYTES = 32;

/** A tile or entry bundle that cannot be what the spec says it is. */
export class MalformedTileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedTileError";
  }
}

/** The `x001/x234/067` form of a tile index. */
export function encodeTileIndex(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`tile index ${index} is out of range`);
  const digits = String(index);
  const padded = digits.padStart(Math.ceil(digits.length / 3) * 3, "0");
  const groups = Array.from({ length: padded.length / 3 }, (_, i) => padded.slice(3 * i, 3 * i + 3));
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join("/");
}

/** The path of hash tile (`level`, `index`) holding `width` hashes (a partial tile below 256). */
export function hashTilePath(level: number, index: number, width: number): string {
  return `tile/${level}/${encodeTileIndex(index)}${width < TILE_WIDTH ? `.p/${width}` : ""}`;
}

/** The path of entry bundle `index` holding `width` entries. */
export function entryBundlePath(index: number, width: number): string {
  return `tile/entries/${encodeTileIndex(index)}${width < TILE_WIDTH ? `.p/${width}` : ""}`;
}

/** How many hashes tile (`level`, `index`) holds in a tree of `treeSize` leaves (0: none yet). */
export function tileWidth(level: number, index: number, treeSize: number): number {
  const nodesAtLevel = Math.floor(treeSize / 2 ** (TILE_HEIGHT * level));
  return Math.max(0, Math.min(TILE_WIDTH, nodesAtLevel - index * TILE_WIDTH));
}

/** Splits a hash tile into its hashes; it must hold exactly `width`. */
export function parseHashTile(bytes: Uint8Array, width: number): Buffer[] {
  if (bytes.length !== width * TILE_HASH_BYTES) {
    throw new MalformedTileError(`a hash tile of ${width} hashes must be ${width * TILE_HASH_BYTES} bytes, not ${bytes.length}`);
  }
  const buf = Buffer.from(bytes);
  return Array.from({ length: width }, (_, i) => buf.subarray(i * TILE_HASH_BYTES, (i + 1) * TILE_HASH_BYTES));
}

/** Splits an entry bundle into its entries; it must hold at least `width` (extra bytes are refused). */
export function parseEntryBundle(bytes: Uint8Array, width: number): Buffer[] {
  const buf = Buffer.from(bytes);
  const entries: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + 2 > buf.length) throw new MalformedTileError("an entry bundle ends inside a length prefix");
    const len = buf.readUInt16BE(at);
    if (at + 2 + len > buf.length) throw new MalformedTileError("an entry bundle ends inside an entry");
    entries.push(buf.subarray(at + 2, at + 2 + len));
    at += 2 + len;
    if (entries.length > TILE_WIDTH) throw new MalformedTileError(`an entry bundle holds more than ${TILE_WIDTH} entries`);
  }
  if (entries.length !== width) throw new MalformedTileError(`an entry bundle of width ${width} holds ${entries.length} entries`);
  return entries;
}
