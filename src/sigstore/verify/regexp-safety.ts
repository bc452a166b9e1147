/**
 * A guard against regular expressions that backtrack catastrophically. `subjectRegexp` comes from
 * callers and runs on JavaScript's backtracking engine, which has no time limit: a pattern such as
 * `(a+)+b` against a 30-character SAN would pin a core for minutes. Patterns are refused up front
 * when they are long, use backreferences or lookarounds, or repeat a group that itself contains a
 * repetition or an alternation (star height above one, or overlapping alternatives like `(a|aa)+`:
 * the shapes behind exponential backtracking). SAN patterns never need any of these.
 */

/** Longest pattern accepted, in characters. */
export const MAX_PATTERN_CHARS = 256;

const QUANTIFIER = /^(?:[*+?]|\{\d+(?:,\d*)?\})/;

/** Why a pattern is refused, or undefined when it is safe to run. */
export function unsafePatternReason(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_CHARS) return `is longer than ${MAX_PATTERN_CHARS} characters`;
  if (/\\[1-9]|\\k</.test(pattern)) return "uses a backreference";
  if (/\(\?<?[=!]/.test(pattern)) return "uses a lookaround";
  // Walk the groups: does a quantified group contain a quantifier or an alternation?
  const stack: boolean[] = [];
  const alternation: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "(") {
      stack.push(false);
      alternation.push(false);
    } else if (c === "|") {
      if (alternation.length > 0) alternation[alternation.length - 1] = true;
    } else if (c === ")") {
      const innerQuantified = stack.pop() ?? false;
      const innerAlternation = alternation.pop() ?? false;
      const quantified = QUANTIFIER.test(pattern.slice(i + 1));
      if (quantified && innerQuantified) return "repeats a group that contains a repetition (nested quantifiers backtrack exponentially)";
      if (quantified && innerAlternation) return "repeats a group of alternatives (overlapping alternatives backtrack exponentially)";
      if (stack.length > 0 && (innerQuantified || quantified)) stack[stack.length - 1] = true;
    } else if (QUANTIFIER.test(pattern.slice(i)) && stack.length > 0) {
      stack[stack.length - 1] = true;
    }
  }
  return undefined;
}
