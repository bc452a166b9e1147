/**
 * The embedded stack as a {@link SigningBackend}: a thin adapter, so the service layer signs
 * through the same port in both modes. Every component is in-process, so there is no separate
 * readiness to report (a failing disk surfaces as `unavailable` from the log itself).
 */
import type { SigningBackend, SignatureWitnesses, EntryIndexKeys } from "../signing-backend.js";
import type { EmbeddedStack } from "./stack.js";
import { embeddedTrustRoot } from "./trust-root-source.js";

export function embeddedSigningBackend(stack: EmbeddedStack): SigningBackend {
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
    readiness: () => [],
    onReadinessChange: () => () => {},
    close: () => stack.close(),
  };
}
