/**
 * Summarises a V8 `.cpuprofile` (as written by `node --cpu-prof`) by self time: the time the
 * sampled stack had each function on top, summed over every node of the call tree that names the
 * same function at the same place. This is the "bottom-up" view a profiler shows first.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One function's self time. */
export interface SelfTimeEntry {
  readonly name: string;
  /** `file:line` (relative to the repository for its own files), or a V8 category. */
  readonly location: string;
  readonly selfMs: number;
  /** Share of all sampled time, in percent (idle included). */
  readonly percent: number;
}

/** The `top` functions by self time in the profile at `file`. */
export function topSelfTime(file: string, repo: string, top = 25): { totalMs: number; idlePercent: number; entries: SelfTimeEntry[] } {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const merged = new Map<string, { name: string; location: string; us: number }>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    totalUs += us;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const path = url.startsWith("file://") ? relative(repo, new URL(url).pathname) : url;
    const location = path ? `${path}:${lineNumber + 1}` : "";
    const key = `${functionName}\u0000${location}`;
    const e = merged.get(key) ?? { name: functionName || "(anonymous)", location, us: 0 };
    e.us += us;
    merged.set(key, e);
  }
  const idleUs = [...merged.values()].filter((e) => e.name === "(idle)").reduce((a, e) => a + e.us, 0);
  const entries = [...merged.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ name: e.name, location: e.location, selfMs: Math.round(e.us / 1000), percent: Math.round((e.us / totalUs) * 1000) / 10 }));
  return { totalMs: Math.round(totalUs / 1000), idlePercent: Math.round((idleUs / totalUs) * 1000) / 10, entries };
}
