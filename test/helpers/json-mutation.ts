/**
 * Mutating JSON documents (bundles, trusted roots) one leaf at a time, for the mutation,
 * differential and fuzz tests: the rules are written once here.
 */

export type Path = (string | number)[];

/** Every string or number leaf of a JSON value, with its path. */
export function leaves(value: unknown, path: Path = []): { path: Path; value: string | number }[] {
  if (typeof value === "string" || typeof value === "number") return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [];
}

/** A copy of `root` with the value at `path` replaced (assigned, even when `undefined`). */
export function setAt(root: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

/** Whether a string is canonical base64 of at least 6 bytes (so a flip can target a decoded byte). */
export const isBase64Field = (s: string): boolean => s.length >= 8 && /^[A-Za-z0-9+/]+={0,2}$/.test(s) && Buffer.from(s, "base64").toString("base64") === s;

/** The value with one position changed: a flipped decoded byte for base64, a changed char or digit otherwise. */
export function mutate(value: string | number, position: number, mask: number): string | number {
  if (typeof value === "number") return value + (mask || 1);
  if (isBase64Field(value)) {
    const bytes = Buffer.from(value, "base64");
    const i = position % bytes.length;
    bytes[i] = bytes[i]! ^ (mask || 1);
    return bytes.toString("base64");
  }
  if (value.length === 0) return "x";
  const i = position % value.length;
  if (/^\d+$/.test(value)) {
    // A number in proto3 JSON: change a digit, keep it a valid number. The new digit always
    // differs from the old one, and never makes a leading zero.
    const old = Number(value[i]);
    let digit = (old + (mask % 9) + 1) % 10;
    if (i === 0 && digit === 0 && value.length > 1) digit = old === 1 ? 2 : 1;
    return value.slice(0, i) + String(digit) + value.slice(i + 1);
  }
  return value.slice(0, i) + (value[i] === "a" ? "b" : "a") + value.slice(i + 1);
}
