/** Typed access to fields of parsed JSON (`unknown`) without casting to `any`. */

/** `v` as a plain object, or undefined when it is null, a primitive or an array. */
export function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** `v[key]` when `v` is an object (arrays included, as with `v?.[key]`), else undefined. */
export function field(v: unknown, key: string): unknown {
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>)[key] : undefined;
}
