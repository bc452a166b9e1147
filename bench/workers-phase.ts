/**
 * The workers phase of `npm run bench -- --workers 1,2`: the same server data directory started
 * once per worker count (`serve --workers N`), each measured for the ceiling (the empty RPC), Sign
 * and Verify with the same client and bodies as the main phases, so one report compares them.
 * Only the processes change between rows: what `--workers` buys (or costs) on this machine.
 */
import { loadavg } from "node:os";
import type { GrpcLoadResult } from "./grpc-load.js";
import { peakRssMb, startServer } from "./server.js";

/** One row: a worker count and its figures. */
export interface WorkersRow {
  readonly workers: number;
  readonly ceiling: { perSec: number; p50Ms: number; p99Ms: number };
  readonly sign: { perSec: number; p50Ms: number; p99Ms: number; errors: number };
  readonly verify: { perSec: number; p50Ms: number; p99Ms: number; errors: number };
  /** Peak RSS of every process of the server, MB. */
  readonly rssMb: number;
  readonly loadAverage: number[];
}

/** The RPCs measured per row. */
export type WorkersRpc = "ceiling" | "sign" | "verify";

export async function workersPhase(opts: {
  counts: readonly number[];
  dataDir: string;
  measure: (url: string, rpc: WorkersRpc) => Promise<GrpcLoadResult>;
  progress: (msg: string) => void;
}): Promise<WorkersRow[]> {
  const rows: WorkersRow[] = [];
  for (const workers of opts.counts) {
    opts.progress(`workers phase: --workers ${workers}: ceiling, sign, verify`);
    const server = await startServer(opts.dataDir, [], workers);
    try {
      const pick = (r: GrpcLoadResult) => ({ perSec: r.perSec, p50Ms: r.p50Ms, p99Ms: r.p99Ms });
      const ceiling = await opts.measure(server.url, "ceiling");
      const sign = await opts.measure(server.url, "sign");
      const verify = await opts.measure(server.url, "verify");
      rows.push({
        workers,
        ceiling: pick(ceiling),
        sign: { ...pick(sign), errors: sign.errors },
        verify: { ...pick(verify), errors: verify.errors },
        rssMb: peakRssMb(server.child.pid!),
        loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
      });
    } finally {
      await server.stop();
    }
  }
  return rows;
}

/** The rows as the report prints them. */
export function formatWorkersRows(rows: readonly WorkersRow[]): string[] {
  const cell = (v: number | string, w = 9) => String(v).padStart(w);
  return [
    `${"workers".padEnd(8)}${cell("ceiling/s")}${cell("sign/s")}${cell("p99 ms")}${cell("verify/s")}${cell("p99 ms")}${cell("RSS MB")}   load average`,
    ...rows.map(
      (r) =>
        `${String(r.workers).padEnd(8)}${cell(r.ceiling.perSec)}${cell(r.sign.perSec)}${cell(r.sign.p99Ms)}${cell(r.verify.perSec)}${cell(r.verify.p99Ms)}${cell(r.rssMb)}   ${r.loadAverage.join(" ")}` +
        (r.sign.errors || r.verify.errors ? `  ERRORS sign ${r.sign.errors}, verify ${r.verify.errors}` : ""),
    ),
  ];
}
