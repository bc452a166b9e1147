/**
 * The load generator, run as its own process so client work does not share the server's cores'
 * event loop: drives one RPC at a fixed concurrency for a fixed time over gRPC (h2c) or Connect
 * (HTTP/1.1 JSON) and prints one JSON line with throughput and latency percentiles.
 *
 *   node dist/bench/load.js '{"url":"http://127.0.0.1:8888","rpc":"sign","protocol":"grpc","concurrency":64,"durationMs":10000}'
 */
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { SignatureFormat, TrustService } from "@certus/trust-sdk";
import { BundleSchema, type Bundle } from "@certus/trust-sdk/gen/sigstore_bundle_pb";

export interface LoadSpec {
  url: string;
  rpc: "sign" | "verify" | "proof";
  protocol: "grpc" | "connect";
  concurrency: number;
  durationMs: number;
  /** For verify: a JSON file of [{ bundle, digest }] to cycle through. */
  bundlesFile?: string;
  /** For proof: the log size to pick indexes from. */
  logSize?: number;
}

export interface LoadResult {
  rpc: string;
  protocol: string;
  count: number;
  errors: number;
  firstError?: string;
  perSec: number;
  p50Ms: number;
  p99Ms: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
}

async function main(spec: LoadSpec): Promise<LoadResult> {
  const transport = spec.protocol === "grpc" ? createGrpcTransport({ baseUrl: spec.url }) : createConnectTransport({ baseUrl: spec.url, httpVersion: "1.1" });
  const client: Client<typeof TrustService> = createClient(TrustService, transport);
  let bundles: Array<{ bundle: Bundle; digest: string }> = [];
  if (spec.rpc === "verify") {
    const raw = JSON.parse(readFileSync(spec.bundlesFile!, "utf8")) as Array<{ bundle: JsonValue; digest: string }>;
    bundles = raw.map((r) => ({ bundle: fromJson(BundleSchema, r.bundle), digest: r.digest }));
  }
  let n = 0;
  const call = (): Promise<unknown> => {
    const i = n++;
    switch (spec.rpc) {
      case "sign":
        return client.sign({
          artifact: { uri: `oci://bench/app@${i}`, digest: `sha256:${createHash("sha256").update(`bench-${process.pid}-${i}`).digest("hex")}` },
          format: SignatureFormat.DSSE,
        });
      case "verify": {
        const b = bundles[i % bundles.length]!;
        return client.verify({ artifact: { digest: b.digest }, bundle: b.bundle, expectedSigner: { subject: "certus-trust@certus.cloud" } }).then((r) => {
          if (!r.verified) throw new Error(`not verified: ${r.failures.map((f) => f.code).join(",")}`);
        });
      }
      case "proof":
        return client.getTransparency({ logIndex: BigInt(Math.floor(Math.random() * (spec.logSize ?? 1))) });
    }
  };
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  // Warm-up: connections, JIT.
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, 8) }, () => call().catch(() => undefined)));
  const start = performance.now();
  const end = start + spec.durationMs;
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await call();
          latencies.push(performance.now() - t0);
        } catch (err) {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rpc: spec.rpc,
    protocol: spec.protocol,
    count: latencies.length,
    errors,
    ...(firstError ? { firstError } : {}),
    perSec: Math.round(latencies.length / elapsed),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

const result = await main(JSON.parse(process.argv[2] ?? "{}") as LoadSpec);
process.stdout.write(JSON.stringify(result) + "\n");
process.exit(0);
