/**
 * The embedded stack as a {@link SigningBackend}: a thin adapter, so the service layer signs
 * through the same port in both modes. Every component is in-process, so there is no separate
 * upstream to report; the one readiness it has is the log's storage (a log at its quota or on a
 * full disk cannot take entries, so no Sign can succeed).
 */
import type { SigningBackend, SignatureWitnesses, EntryIndexKeys } from "../signing-backend.js";
import type { EmbeddedStack } from "./stack.js";
import { embeddedTrustRoot } from "./trust-root-source.js";

export function embeddedSigningBackend(stack: EmbeddedStack): SigningBackend {
  let reportedFull = false;
  return {
    mode: "embedded",
    signer: stack.signer,
    witnessesFor(keys: EntryIndexKeys): SignatureWitnesses {
      const w = stack.witnessesFor(keys);
      return {
        all: w.all,
        entry: () => (w.log.logged ? { logIndex: w.log.logged.logIndex, uuid: w.log.logged.uuid, integratedTime: w.log.logged.integratedTime } : undefined),
      };
    },
    trustRoot: embeddedTrustRoot(stack),
    // Listed in /readyz once the log has been full (until then there is nothing to report).
    readiness: () => {
      if (stack.log.full) reportedFull = true;
      if (!reportedFull) return [];
      return [
        {
          component: "transparency-log",
          ready: !stack.log.full,
          critical: true,
          detail: stack.log.full
            ? "the log database is full (its quota, logMaxBytes, or the disk): no entry can be appended"
            : "the embedded log accepts entries again",
        },
      ];
    },
    onReadinessChange: (listener) => stack.log.onStorageChange(listener),
    close: () => stack.close(),
  };
}
