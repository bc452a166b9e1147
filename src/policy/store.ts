/**
 * The running policy set: loaded at start, reloaded on SIGHUP and when the file changes. A file
 * that fails to load is reported (with its line) and the running policies stay in force.
 */
import { watch, type FSWatcher } from "node:fs";
import type { Logger } from "../logger.js";
import { NotFoundError } from "../errors.js";
import { loadPolicyFile, PolicyFileError } from "./loader.js";
import { builtInPolicySet, type Policy, type PolicySet } from "./model.js";

export class PolicyStore {
  private current: PolicySet;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;

  /** Loads `path` (throws PolicyFileError at start: a bad file must not start the service). */
  constructor(
    private readonly path: string | undefined,
    private readonly log: Logger,
  ) {
    this.current = path ? loadPolicyFile(path) : builtInPolicySet();
  }

  get source(): string {
    return this.current.source;
  }

  names(): string[] {
    return [...this.current.policies.keys()];
  }

  /** The named policy; empty means `default`. */
  get(name: string): Policy {
    const p = this.current.policies.get(name === "" ? "default" : name);
    if (!p) throw new NotFoundError(`no policy named "${name}"; known policies: ${this.names().join(", ")}`);
    return p;
  }

  /** Re-reads the file. Returns false (and keeps the running policies) when it does not load. */
  reload(): boolean {
    if (!this.path) return true;
    try {
      this.current = loadPolicyFile(this.path);
      this.log.info({ policyFile: this.path, policies: this.names() }, "policies reloaded");
      return true;
    } catch (err) {
      const detail = err instanceof PolicyFileError ? { line: err.line, problem: err.problem } : { problem: String(err) };
      this.log.error({ policyFile: this.path, ...detail }, "policy file not reloaded; the running policies stay in force");
      return false;
    }
  }

  /** Reloads on SIGHUP and on changes to the file. */
  watch(): void {
    if (!this.path) return;
    process.on("SIGHUP", this.onHup);
    try {
      this.watcher = watch(this.path, () => {
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.reload(), 100);
      });
      this.watcher.on("error", () => undefined);
    } catch {
      this.log.warn({ policyFile: this.path }, "cannot watch the policy file; reload with SIGHUP");
    }
  }

  private readonly onHup = () => {
    this.reload();
  };

  close(): void {
    process.off("SIGHUP", this.onHup);
    clearTimeout(this.debounce);
    this.watcher?.close();
  }
}
