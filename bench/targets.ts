/**
 * The targets of issue 20, checked against one bench run and printed as met or missed with the
 * figure. A benchmark reports; it does not fail on a missed target (the machine may be busy).
 */

/** One target: the figure, the bound and whether the run met it. */
export interface TargetResult {
  readonly key: string;
  readonly value: number;
  readonly bound: number;
  readonly op: ">=" | "<=";
  readonly met: boolean;
}

/** The figures the targets are about (JSON keys of the bench output). */
export interface TargetFigures {
  "sign.ratio": number;
  "verify.ratio": number;
  "verify.vsSigstoreJs": number;
  "sign.p99AtHalfMs": number;
  "verify.p99AtHalfMs": number;
  rssMb: number;
}

const TARGETS: ReadonlyArray<{ key: keyof TargetFigures; op: ">=" | "<="; bound: number }> = [
  { key: "sign.ratio", op: ">=", bound: 0.6 },
  { key: "verify.ratio", op: ">=", bound: 0.5 },
  { key: "verify.vsSigstoreJs", op: ">=", bound: 25 },
  { key: "sign.p99AtHalfMs", op: "<=", bound: 20 },
  { key: "verify.p99AtHalfMs", op: "<=", bound: 10 },
  { key: "rssMb", op: "<=", bound: 300 },
];

/** Each target with the run's figure; a missing (NaN) figure is a miss. */
export function evaluateTargets(figures: TargetFigures): TargetResult[] {
  return TARGETS.map(({ key, op, bound }) => {
    const value = figures[key];
    const met = Number.isFinite(value) && (op === ">=" ? value >= bound : value <= bound);
    return { key, value, bound, op, met };
  });
}

/** One line per target: `met   sign.ratio 0.64 (target >= 0.6)`. */
export function formatTargets(results: readonly TargetResult[]): string[] {
  return results.map((r) => `${(r.met ? "met" : "MISSED").padEnd(8)}${r.key.padEnd(22)}${String(r.value).padStart(8)}   (target ${r.op} ${r.bound})`);
}
