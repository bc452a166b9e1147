/**
 * Wires the Certus workflows into the server: the permission store, the Transform callback (when
 * configured) and the handlers of VerifyAndPermitUpload, VerifyChain, LegacySign, GetStats,
 * GetProvenance and GetReadiness. The server builder calls this once the stack, policies and
 * audit trail are open, and `close()` at shutdown.
 */
import type { TrustConfig } from "../config.js";
import type { Logger } from "../logger.js";
import type { AuditLog } from "../state/file/audit-log.js";
import type { PolicyStore } from "../policy/store.js";
import type { EmbeddedStack } from "../sigstore/embedded/stack.js";
import type { TrustedRootHandle } from "../sigstore/verify/index.js";
import { createProvenanceHandler, createReadinessHandler, createStatsHandler } from "../service/certus-status.js";
import { createLegacySignHandler } from "../service/legacy-sign.js";
import { createPermitUploadHandler } from "../service/permit-upload.js";
import type { CallerOf } from "../service/sign.js";
import { createVerifyChainHandler } from "../service/verify-chain.js";
import { PermissionStore } from "../state/file/permission-store.js";
import { readCallbackSecret, TransformCallback } from "./transform-callback.js";

export interface CertusIntegrationDeps {
  config: TrustConfig;
  stack: EmbeddedStack;
  policies: PolicyStore;
  serviceRoot: TrustedRootHandle;
  audit: AuditLog;
  callerOf: CallerOf;
  log: Logger;
}

/** Opens the permission store and builds the handlers; throws when the callback secret is unusable. */
export function createCertusIntegration(deps: CertusIntegrationDeps) {
  const { config, stack } = deps;
  const secret = config.transformCallbackUrl ? readCallbackSecret(config.transformCallbackSecretFile) : undefined;
  const permissions = PermissionStore.open(config.dataDir, deps.log);
  const transform = secret ? new TransformCallback({ url: config.transformCallbackUrl, secret, store: permissions, log: deps.log }) : undefined;
  transform?.resume();
  const common = { stack, policies: deps.policies, serviceRoot: deps.serviceRoot, audit: deps.audit, callerOf: deps.callerOf, permissions };
  const oidcIssuers = [...new Set([...(config.authOidcIssuers ?? []), ...(config.oidcIssuers ?? []).map((e) => e.split("|")[0]!)])];
  const status = { stack, permissions, dataDir: config.dataDir, oidcIssuers };
  return {
    handlers: {
      verifyAndPermitUpload: createPermitUploadHandler({ ...common, transform, storage: { s3Bucket: config.uploadS3Bucket, ociRegistry: config.uploadOciRegistry } }),
      verifyChain: createVerifyChainHandler(common),
      legacySign: createLegacySignHandler({ stack, audit: deps.audit, callerOf: deps.callerOf }),
      getStats: createStatsHandler(status),
      getProvenance: createProvenanceHandler(status),
      getReadiness: createReadinessHandler(status),
    },
    close(): void {
      transform?.close();
      permissions.close();
    },
  };
}
