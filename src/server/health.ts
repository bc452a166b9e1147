/**
 * gRPC health checking (`grpc.health.v1`): `Check` and the streaming `Watch`, for load
 * balancers, Kubernetes gRPC probes and grpc-health-probe. The state is shared with `/readyz`.
 */
import { EventEmitter } from "node:events";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponseSchema,
  HealthListResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckRequest,
  type HealthCheckResponse,
} from "@certus/trust-sdk/gen/grpc/health/v1/health_pb";

export { ServingStatus };

/** Serving status per service name; "" is the whole server. */
export class HealthState {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly events = new EventEmitter();
  /** Components the service depends on (upstreams), each also a health service name, with why. */
  private readonly components = new Map<string, string>();

  constructor(services: readonly string[]) {
    this.events.setMaxListeners(0);
    for (const s of ["", ...services]) this.statuses.set(s, ServingStatus.NOT_SERVING);
  }

  /** Sets the status of one service ("" for the server) and tells the watchers. */
  set(service: string, status: ServingStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    this.events.emit("change", service, status);
  }

  /** Sets every service at once (start-up, shutdown). */
  setAll(status: ServingStatus): void {
    for (const s of this.statuses.keys()) this.set(s, status);
  }

  /** Every service with its status. */
  all(): ReadonlyMap<string, ServingStatus> {
    return this.statuses;
  }

  get(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /**
   * Reports one component (an upstream such as `rekor`): it becomes a health service of that
   * name (`grpc.health.v1` Check/Watch with `service: "rekor"`) and is listed by /readyz with
   * `detail` (what is wrong; never a credential).
   */
  setComponent(name: string, ready: boolean, detail: string): void {
    this.components.set(name, detail);
    this.set(name, ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  /** The /readyz body: the overall verdict and, when components are reported, each one. */
  readinessReport(): { status: "ready" | "not ready"; components?: Record<string, { status: "serving" | "not serving"; detail: string }> } {
    const status = this.ready() ? "ready" : "not ready";
    if (this.components.size === 0) return { status };
    const components = Object.fromEntries(
      [...this.components].map(([name, detail]) => [
        name,
        { status: this.statuses.get(name) === ServingStatus.SERVING ? ("serving" as const) : ("not serving" as const), detail },
      ]),
    );
    return { status, components };
  }

  /** True when the server as a whole is serving. */
  ready(): boolean {
    return this.statuses.get("") === ServingStatus.SERVING;
  }

  onChange(listener: (service: string, status: ServingStatus) => void): () => void {
    this.events.on("change", listener);
    return () => this.events.off("change", listener);
  }
}

function response(status: ServingStatus): HealthCheckResponse {
  return create(HealthCheckResponseSchema, { status });
}

/** Registers `grpc.health.v1.Health` on the router. */
export function registerHealth(router: ConnectRouter, state: HealthState): void {
  router.service(Health, {
    list() {
      return create(HealthListResponseSchema, {
        statuses: Object.fromEntries([...state.all()].map(([name, status]) => [name, response(status)])),
      });
    },
    check(req: HealthCheckRequest) {
      const status = state.get(req.service);
      if (status === undefined) throw new ConnectError(`unknown service "${req.service}"`, Code.NotFound);
      return response(status);
    },
    async *watch(req: HealthCheckRequest, ctx: HandlerContext) {
      // Per the protocol, an unknown service is reported as SERVICE_UNKNOWN and watched, not refused.
      let last = state.get(req.service) ?? ServingStatus.SERVICE_UNKNOWN;
      yield response(last);
      const queue: ServingStatus[] = [];
      let wake: (() => void) | undefined;
      const off = state.onChange((service, status) => {
        if (service !== req.service) return;
        queue.push(status);
        wake?.();
      });
      const aborted = new Promise<void>((r) => ctx.signal.addEventListener("abort", () => r(), { once: true }));
      try {
        while (!ctx.signal.aborted) {
          const next = queue.shift();
          if (next === undefined) {
            await Promise.race([new Promise<void>((r) => (wake = r)), aborted]);
            wake = undefined;
            continue;
          }
          if (next !== last) {
            last = next;
            yield response(next);
          }
        }
      } finally {
        off();
      }
    },
  });
}
