/**
 * The Certus room's entry: the Transform callback (when configured) and the handlers of
 * VerifyAndPermitUpload, VerifyChain, LegacySign, GetStats, GetProvenance and GetReadiness, built
 * on the ports the composition root resolved. `close()` stops the callback's retries at shutdown.
 */
import type { Logger } from "../logger.js";
import type { PolicyStore } from "../policy/store.js";
import type { CallerOf } from "../rpc/caller.js";
import type { TrustedRootHandle } from "../sigstore/verify/index.js";
import { inThreadJudge, type BundleJudge } from "./bundle-judge.js";
import { createLegacySignHandler } from "./legacy-sign.js";
import { createPermitUploadHandler } from "./permit-upload.js";
import type { CertusPorts } from "./ports.js";
import { createProvenanceHandler, createReadinessHandler, createStatsHandler } from "./status.js";
import { readCallbackSecret, TransformCallback } from "./transform-callback.js";
import { createVerifyChainHandler } from "./verify-chain.js";

/** The Certus integration settings (the `certus` section of the configuration). */
export interface CertusSettings {
  /** Transform's base URL; empty: no callback. */
  readonly transformCallbackUrl: string;
  readonly transformCallbackSecretFile: string;
  readonly uploadS3Bucket: string;
  readonly uploadOciRegistry: string;
  /** OIDC issuers GetReadiness probes (as `keycloak`). */
  readonly oidcIssuers: readonly string[];
}

export interface CertusIntegrationDeps extends CertusPorts {
  settings: CertusSettings;
  policies: PolicyStore;
  serviceRoot: TrustedRootHandle;
  callerOf: CallerOf;
  logger: Logger;
  /** Judges bundles on the verification worker pool; absent (no pool), they are judged in-thread against `serviceRoot`. */
  judge?: BundleJudge;
  /** Time budget of one request's verifications, ms. */
  verifyBudgetMs: number;
}

/** Builds the handlers and starts the callback; throws when the callback secret is unusable. */
export function createCertusIntegration(deps: CertusIntegrationDeps) {
  const { settings } = deps;
  const ports: CertusPorts = { signing: deps.signing, log: deps.log, state: deps.state };
  const secret = settings.transformCallbackUrl ? readCallbackSecret(settings.transformCallbackSecretFile) : undefined;
  const transform = secret ? new TransformCallback({ url: settings.transformCallbackUrl, secret, store: deps.state.permissions, log: deps.logger }) : undefined;
  transform?.startResuming((err: unknown) => deps.logger.error({ err }, "cannot read the pending transform callbacks; they are looked for again in a minute"));
  const judge = deps.judge ?? inThreadJudge({ service: deps.serviceRoot });
  const common = { ...ports, policies: deps.policies, callerOf: deps.callerOf, judge, verifyBudgetMs: deps.verifyBudgetMs };
  const status = { ...ports, oidcIssuers: settings.oidcIssuers };
  return {
    handlers: {
      verifyAndPermitUpload: createPermitUploadHandler({
        ...common,
        transform,
        storage: { s3Bucket: settings.uploadS3Bucket, ociRegistry: settings.uploadOciRegistry },
      }),
      verifyChain: createVerifyChainHandler(common),
      legacySign: createLegacySignHandler({ signing: deps.signing, audit: deps.state.audit, callerOf: deps.callerOf }),
      getStats: createStatsHandler(status),
      getProvenance: createProvenanceHandler(status),
      getReadiness: createReadinessHandler(status),
    },
    close(): void {
      transform?.close();
    },
  };
}
