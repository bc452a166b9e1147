/**
 * Runs the gRPC load generators as separate processes, the client pinned to one core (the last
 * one, with `taskset`, when the machine has more than one), so the server's process is the only
 * Node.js event loop in the measurement:
 *
 *   grpcload (bench/grpcload/): every gRPC figure, closed loop or open loop at a fixed rate;
 *   h2load (nghttp2): the empty-RPC ceiling once more, as a cross-check of the client's overhead.
 */
import { execFile } from "node:child_process";
import { cpus } from "node:os";
import { promisify } from "node:util";
import type { LoadResult } from "./load.js";

const run = promisify(execFile);

/** The core the clients are pinned to, or undefined when they are not pinned. */
export const CLIENT_CPU: number | undefined = cpus().length > 1 ? cpus().length - 1 : undefined;

/** Connections and streams per connection of the closed-loop figures (64 in flight). */
export const CONNECTIONS = 4;
export const STREAMS = 16;

async function pinned(cmd: string, args: string[]): Promise<string> {
  const [file, argv] = CLIENT_CPU === undefined ? [cmd, args] : ["taskset", ["-c", String(CLIENT_CPU), cmd, ...args]];
  const { stdout } = await run(file, argv, { maxBuffer: 16 << 20 });
  return stdout;
}

/** What grpcload reports. */
export interface GrpcLoadResult extends LoadResult {
  /** CPU time the client spent in the measured interval. */
  clientCpuMs: number;
}

/**
 * One grpcload run over `bodies` against `path`: closed loop with 64 calls in flight, or open
 * loop at `rps` calls per second (latency from each call's scheduled start).
 */
export async function grpcload(
  bin: string,
  opts: { url: string; path: string; bodies: string; durationMs: number; rps?: number; rpc: string },
): Promise<GrpcLoadResult> {
  const args = ["-url", opts.url, "-path", opts.path, "-bodies", opts.bodies, "-d", `${opts.durationMs}ms`, "-c", String(CONNECTIONS), "-m", String(STREAMS)];
  if (opts.rps) args.push("-rps", String(opts.rps));
  const out = JSON.parse((await pinned(bin, args)).trim().split("\n").at(-1)!) as Omit<GrpcLoadResult, "rpc" | "protocol">;
  return { rpc: opts.rpc, protocol: "grpc", ...out };
}

/** h2load, closed loop (64 streams over 4 connections), one body: requests per second it finished. */
export async function h2load(opts: {
  url: string;
  path: string;
  body: string;
  durationMs: number;
}): Promise<{ perSec: number; succeeded: number; failed: number }> {
  const out = await pinned("h2load", [
    "-c",
    String(CONNECTIONS),
    "-m",
    String(STREAMS),
    "-D",
    String(Math.max(1, Math.round(opts.durationMs / 1000))),
    "--warm-up-time=1",
    "-d",
    opts.body,
    "-H",
    "content-type: application/grpc",
    "-H",
    "te: trailers",
    `${opts.url}${opts.path}`,
  ]);
  const perSec = Number(/finished in [\d.]+s, ([\d.]+) req\/s/.exec(out)?.[1] ?? NaN);
  const m = /(\d+) succeeded, (\d+) failed/.exec(out);
  if (!Number.isFinite(perSec) || !m) throw new Error(`h2load output not understood:\n${out}`);
  return { perSec: Math.round(perSec), succeeded: Number(m[1]), failed: Number(m[2]) };
}
