/**
 * One writer per TUF repository: the server while it runs, or `certus-trust keys rotate` while
 * it is stopped. Two writers would each re-sign `timestamp.json` from their own view of the
 * repository and undo each other's publications.
 *
 * The lock is `<repository>/writer.lock` holding the writer's process ID, created exclusively. A
 * lock whose process is gone (a crash, a kill -9) is taken over; one whose process is alive is
 * refused with a message naming the process, and so is a second open in the same process. A lock
 * naming this process's own ID that this process does not hold is stale too: in a container the
 * server is PID 1 on every start, so its predecessor's lock names the same ID.
 */
import { readFile, unlink } from "node:fs/promises";
import path from "node:path";
import { TrustError } from "../../../errors.js";
import { createFileExclusive } from "../../../fs/atomic-file.js";

const LOCK_FILE = "writer.lock";

/** Lock files this process holds. */
const held = new Set<string>();

/** A held lock; release it exactly once. */
export interface WriterLock {
  release(): Promise<void>;
}

/** Takes the writer lock of `directory`, or throws `FAILED_PRECONDITION` naming the holder. */
export async function acquireWriterLock(directory: string): Promise<WriterLock> {
  const file = path.resolve(directory, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await createFileExclusive(file, `${process.pid}\n`)) {
      held.add(file);
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          held.delete(file);
          await unlink(file).catch(() => undefined);
        },
      };
    }
    const holder = Number.parseInt(await readFile(file, "utf8").catch(() => ""), 10);
    const live = holder === process.pid ? held.has(file) : Number.isSafeInteger(holder) && holder > 0 && isAlive(holder);
    if (live) {
      throw new TrustError(
        "FAILED_PRECONDITION",
        `the TUF repository ${directory} is in use by process ${holder} (a running certus-trust server?); stop it first, or remove ${file} if that process is not certus-trust`,
      );
    }
    await unlink(file).catch(() => undefined); // stale: its process is gone
  }
  throw new TrustError("FAILED_PRECONDITION", `could not take the TUF writer lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
