/**
 * Shared pieces of the attack tests (issue #14): a `/readyz` probe on a fresh connection, timed,
 * and a wait for a set of sockets to be closed by the server.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** GET /readyz on a connection of its own; resolves with the status and the milliseconds it took. */
export function probeReadyz(url: string, ca?: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const request = url.startsWith("https:") ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(`${url}/readyz`, { agent: false, ...(ca ? { ca } : {}) }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode!, ms: performance.now() - started }));
    });
    req.setTimeout(5_000, () => req.destroy(new Error("/readyz did not answer within 5 s")));
    req.on("error", reject);
    req.end();
  });
}

/** Something the server should close: resolves with the milliseconds until it did, or Infinity past `limitMs`. */
export function closedWithin(onClose: (cb: () => void) => void, limitMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(Number.POSITIVE_INFINITY), limitMs);
    onClose(() => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
  });
}
