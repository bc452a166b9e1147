/**
 * Caller-supplied subject patterns (`expectedSigner.subjectRegexp`, a policy's `subjectRegexp`),
 * compiled by RE2JS: a linear-time engine (no backtracking), so no pattern can make matching take
 * more than time proportional to pattern × subject. JavaScript's own engine backtracks: the
 * attack pass of issue #14 froze both workers for 7–9 s with `.*` eleven times over, which the
 * shape guard (`regexp-safety.ts`) let through. The guard still runs first, for its clear
 * messages on the shapes it knows; RE2 is what makes matching safe for everything else.
 *
 * Why RE2JS: a pure-JavaScript port of RE2/J, maintained, MIT, no native build (the `re2` package
 * needs node-gyp and Node headers from the internet) and no asynchronous WASM start-up
 * (`re2-wasm` has not been released since 2021). Syntax is RE2's: no backreferences or
 * lookarounds, which SAN patterns never need.
 */
import { RE2JS } from "re2js";
import { unsafePatternReason } from "./regexp-safety.js";

/** A compiled pattern that must match a whole subject. */
export interface SubjectPattern {
  /** The pattern as given. */
  readonly source: string;
  /** True when the whole `subject` matches (the pattern is anchored at both ends). */
  test(subject: string): boolean;
}

/** A pattern that cannot be used; `reason` completes "subjectRegexp …". */
export class SubjectPatternError extends Error {
  constructor(readonly reason: string) {
    super(`subjectRegexp ${reason}`);
    this.name = "SubjectPatternError";
  }
}

/** Compiles `pattern`; throws {@link SubjectPatternError} saying why it is refused. */
export function compileSubjectPattern(pattern: string): SubjectPattern {
  const unsafe = unsafePatternReason(pattern);
  if (unsafe !== undefined) throw new SubjectPatternError(unsafe);
  let re: RE2JS;
  try {
    re = RE2JS.compile(`^(?:${pattern})$`);
  } catch (err) {
    throw new SubjectPatternError(`is not a valid regular expression: ${(err as Error).message}`);
  }
  return { source: pattern, test: (subject) => re.matches(subject) };
}
