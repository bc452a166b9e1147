/**
 * Counts every RPC (procedure, code), times it, and records Sign outcomes and Verify verdicts.
 * It runs outermost, so it sees the code the caller receives (after error mapping).
 */
import type { Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { VerifyResponse } from "@certus/trust-sdk";
import type { TrustMetrics } from "./metrics.js";
import { callError } from "../http/call-error.js";

const SIGN = "certus.trust.v1.TrustService/Sign";
const VERIFY = "certus.trust.v1.TrustService/Verify";

export function metricsInterceptor(m: TrustMetrics): Interceptor {
  return (next) => async (req) => {
    const procedure = `${req.service.typeName}/${req.method.name}`;
    const end = m.latency.startTimer({ procedure });
    const done = (code: string) => {
      end();
      m.requests.inc({ procedure, code });
      if (procedure === SIGN) m.signs.inc({ outcome: code });
    };
    try {
      const res = await next(req);
      if (!res.stream) {
        done("ok");
        if (procedure === VERIFY) countVerdicts(m, res.message as VerifyResponse);
        return res;
      }
      const inner = res.message;
      async function* counted() {
        try {
          yield* inner;
          done("ok");
        } catch (err) {
          done(codeToString(callError(req.signal, err).code));
          throw err;
        }
      }
      return { ...res, message: counted() };
    } catch (err) {
      done(codeToString(callError(req.signal, err).code));
      throw err;
    }
  };
}

function countVerdicts(m: TrustMetrics, res: VerifyResponse): void {
  const results = res.results.length > 0 ? [...(res.failures.length > 0 || res.signer ? [res] : []), ...res.results] : [res];
  for (const r of results) {
    m.verifications.inc({ verdict: r.verified ? "verified" : "rejected" });
    for (const f of r.failures) m.verifyFailures.inc({ code: f.code });
  }
}
