/**
 * Graceful shutdown of the real CLI process: SIGTERM while a call is still in flight (its body
 * is still arriving) lets the call finish, then the process exits 0.
 */
import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { spawnCliServer, tempDir } from "../helpers/server.js";

describe("graceful shutdown", () => {
  it("finishes an in-flight call after SIGTERM, then exits 0", async () => {
    const cli = await spawnCliServer(["--data-dir", tempDir(), "--shutdown-grace-ms", "10000"]);
    const url = new URL(cli.url);
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, method: "POST", path: "/certus.trust.v1.TrustService/GetKeys", headers: { "content-type": "application/json" } },
        (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      // Half a body: the call is in flight on the server.
      req.write("{");
      setTimeout(() => {
        cli.child.kill("SIGTERM");
        // The process must still be there, waiting for the call, when the rest arrives.
        setTimeout(() => req.end("}"), 700);
      }, 300);
    });
    let exitedEarly = false;
    void cli.exited.then(() => (exitedEarly = true));
    await new Promise((r) => setTimeout(r, 800));
    expect(exitedEarly).toBe(false);
    const res = await response;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toBeTypeOf("object");
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/shutting down/);
    expect(cli.output()).toMatch(/certus-trust stopped/);
  });

  it("refuses new connections once shutting down", async () => {
    const cli = await spawnCliServer(["--data-dir", tempDir()]);
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
    await expect(fetch(`${cli.url}/healthz`)).rejects.toThrow();
  });
});
