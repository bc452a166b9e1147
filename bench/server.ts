/**
 * The server under measurement: a real `certus-trust serve` process on an ephemeral port, started
 * the way an operator starts it: through the `certus-trust` command (`bin/certus-trust.js`), so it
 * runs with the runtime settings `serve` gives itself (src/cli/runtime-defaults.ts; set
 * `CERTUS_TRUST_RUNTIME_DEFAULTS=off` in the bench's environment to measure without them), and with
 * per-call log lines on, drained and discarded by the parent.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface Server {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the server with `workers` processes on the port (`--workers`; default 1, one process,
 * so figures stay comparable with earlier runs; `npm run bench -- --workers N` changes it).
 */
export async function startServer(dataDir: string, nodeArgs: readonly string[] = [], workers = 1): Promise<Server & { readyMs: number }> {
  const t0 = performance.now();
  // Per-call log lines stay on (info), as in production; the parent drains and discards them.
  const args = [...nodeArgs, join(repo, "bin/certus-trust.js"), "serve", "--port", "0", "--data-dir", dataDir, "--workers", String(workers)];
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let head = "";
  const port = await new Promise<number>((resolvePort, reject) => {
    const onData = (d: Buffer) => {
      if (head.length < 100_000) head += d.toString();
      const m = /"port":(\d+).*"msg":"certus-trust listening"/.exec(head);
      if (m) {
        child.stdout.off("data", onData);
        child.stdout.resume();
        resolvePort(Number(m[1]));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d: Buffer) => (head += d.toString().slice(0, 10_000)));
    child.once("exit", () => reject(new Error(`server exited before listening: ${head}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = performance.now() - t0;
  return {
    child,
    url,
    readyMs,
    stop: () =>
      new Promise((r) => {
        child.once("exit", () => r());
        child.kill("SIGTERM");
      }),
  };
}

/** A process and its descendants (a multi-process server's workers), from /proc. */
function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean).map(Number);
  } catch {
    // gone, or no such file: no children to add
  }
  return [pid, ...children.flatMap(processTree)];
}

/** Peak resident set size (VmHWM) of a process and its descendants, summed, in MB. */
export function peakRssMb(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      kb += Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return Math.round(kb / 1024);
}
