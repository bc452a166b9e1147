/**
 * The service's durable file primitives besides appending (`durable-append.ts`): private
 * directories and files, never-overwriting creation for key material and the certificates bound
 * to it, and the one atomic replace for files meant to change (state, metadata, API keys).
 *
 * Durability rule: when `createFileExclusive` returns, the file's bytes and its directory entry
 * have been fsynced, so a crash cannot leave a truncated key or certificate under its final name;
 * at worst a `*.tmp` file is left behind, which nothing reads. A file, once created, is never
 * replaced: if two processes start on the same data directory at once, the first to link its file
 * wins and the other reads the winner's bytes. This is what keeps the trusted root stable: a key
 * or certificate that may already have been published is never silently swapped.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { chmod, link, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";

/** Mode of every private file the key store writes: owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of the key directory: owner only. */
export const PRIVATE_DIRECTORY_MODE = 0o700;

/**
 * Creates `dir` (with parents) if missing and sets it to 0700, tightening a directory that an
 * operator created with a looser umask.
 */
export async function ensurePrivateDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  await chmod(dir, PRIVATE_DIRECTORY_MODE);
}

/**
 * Reads `file`, or returns `undefined` if it does not exist. A file readable by group or others is
 * tightened to 0600 first, so that a copy restored from a backup does not stay exposed.
 */
export async function readPrivateFile(file: string): Promise<Buffer | undefined> {
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch (err) {
    if (isErrno(err, "ENOENT")) return undefined;
    throw err;
  }
  if ((mode & 0o077) !== 0) await chmod(file, PRIVATE_FILE_MODE);
  return readFile(file);
}

/**
 * Creates `file` with `data` (mode 0600) unless it exists. Returns `true` if this call created it,
 * `false` if the file was already there (the caller then reads it).
 *
 * Written to a temporary file in the same directory, fsynced, then hard-linked to its final name:
 * `link` fails with EEXIST instead of replacing, which `rename` would do. On a filesystem without
 * hard links it falls back to `rename` after an existence check (a narrow race, documented here).
 */
export async function createFileExclusive(file: string, data: Uint8Array | string): Promise<boolean> {
  const dir = path.dirname(file);
  const temp = await writeTempFile(file, data);
  let created: boolean;
  try {
    await link(temp, file);
    created = true;
  } catch (err) {
    if (isErrno(err, "EEXIST")) {
      created = false;
    } else if (isErrno(err, "EPERM") || isErrno(err, "ENOTSUP") || isErrno(err, "EOPNOTSUPP")) {
      created = !(await exists(file));
      if (created) {
        await rename(temp, file);
        await syncDirectory(dir);
        return true;
      }
    } else {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
  }
  await unlink(temp);
  await syncDirectory(dir);
  return created;
}

/**
 * Replaces `file` with `data` atomically and durably: a temporary file (0600) is written and
 * fsynced, renamed over the old one, and the directory is fsynced. Readers see the old bytes or the
 * new ones, never a mix; after a crash, one of the two. For files that are meant to change (state,
 * metadata), unlike `createFileExclusive`.
 */
export async function replaceFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const dir = path.dirname(file);
  const temp = await writeTempFile(file, data);
  try {
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dir);
}

/**
 * {@link replaceFileAtomic} for synchronous callers (the operator's `apikey` commands, which
 * tests drive synchronously too): the same temporary file, fsync, rename and directory fsync.
 */
export function replaceFileAtomicSync(file: string, data: Uint8Array | string): void {
  const temp = tempPathFor(file);
  const fd = openSync(temp, "wx", PRIVATE_FILE_MODE);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  const dir = openSync(path.dirname(file), "r");
  try {
    fsyncSync(dir);
  } catch (err) {
    if (!isErrno(err, "EINVAL") && !isErrno(err, "EISDIR") && !isErrno(err, "EPERM")) throw err;
  } finally {
    closeSync(dir);
  }
}

/** A fresh temporary name beside `file` (hidden, unique per process and call). */
function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/** Writes `data` to a fresh, fsynced temporary file (0600) beside `file`; returns its path. */
async function writeTempFile(file: string, data: Uint8Array | string): Promise<string> {
  const temp = tempPathFor(file);
  const handle = await open(temp, "wx", PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch (err) {
    // Some platforms (and some container filesystems) refuse fsync on a directory; the file
    // itself is already durable, so this is best effort.
    if (!isErrno(err, "EINVAL") && !isErrno(err, "EISDIR") && !isErrno(err, "EPERM")) throw err;
  } finally {
    await handle.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if (isErrno(err, "ENOENT")) return false;
    throw err;
  }
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && (err as NodeJS.ErrnoException).code === code;
}
