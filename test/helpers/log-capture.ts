/** A process logger (`createLogger`) whose lines are kept, parsed, for tests that read log lines. */
import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/logger.js";

export function captureLogger(level = "info"): { lines: Record<string, unknown>[]; log: Logger } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger(level, stream) };
}
