/**
 * Size limits for JSON that arrives from outside (bundles, trusted roots).
 *
 * The RPC layer already caps the request body, but this module can be called from other places
 * (the CLI, the MCP server, inner bundles inside a Sign request), so it enforces its own bounds
 * before any parser or crypto runs: a bundle is a few kilobytes; anything far larger or deeper is
 * an attack or a mistake, and walking it further would only cost CPU.
 */

/** Bounds on a JSON value, checked by {@link checkJsonBounds}. */
export interface JsonLimits {
  /** Total characters of all strings and keys, a proxy for bytes on the wire. */
  readonly maxChars: number;
  /** Nesting depth of objects and arrays. */
  readonly maxDepth: number;
  /** Number of values (objects, arrays, scalars) in total. */
  readonly maxNodes: number;
}

/**
 * Default bounds for a Sigstore bundle: real ones are 5–15 KB, 6 levels deep, under 200 values.
 * A bundle with many RFC 3161 timestamps or a long chain stays far below these.
 */
export const DEFAULT_BUNDLE_LIMITS: JsonLimits = { maxChars: 1_048_576, maxDepth: 32, maxNodes: 10_000 };

/**
 * Default bounds for a trusted root: the public-good root is about 12 KB; a private one with many
 * rotated keys stays well below 4 MiB.
 */
export const DEFAULT_TRUST_ROOT_LIMITS: JsonLimits = { maxChars: 4_194_304, maxDepth: 32, maxNodes: 50_000 };

/**
 * Checks a parsed JSON value against `limits` without recursion (so a deeply nested hostile value
 * cannot overflow the stack). Returns why it is out of bounds, or undefined when it is within.
 */
export function checkJsonBounds(value: unknown, limits: JsonLimits): string | undefined {
  let chars = 0;
  let nodes = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  let item: { value: unknown; depth: number } | undefined;
  while ((item = stack.pop()) !== undefined) {
    nodes++;
    if (nodes > limits.maxNodes) return `more than ${limits.maxNodes} JSON values`;
    if (item.depth > limits.maxDepth) return `nested deeper than ${limits.maxDepth} levels`;
    const v = item.value;
    if (typeof v === "string") {
      chars += v.length;
    } else if (Array.isArray(v)) {
      for (const child of v) stack.push({ value: child, depth: item.depth + 1 });
    } else if (v !== null && typeof v === "object") {
      for (const [key, child] of Object.entries(v)) {
        chars += key.length;
        stack.push({ value: child, depth: item.depth + 1 });
      }
    } else if (typeof v !== "number" && typeof v !== "boolean" && v !== null) {
      return `a ${typeof v} is not a JSON value`;
    }
    if (chars > limits.maxChars) return `larger than ${limits.maxChars} characters`;
  }
  return undefined;
}
