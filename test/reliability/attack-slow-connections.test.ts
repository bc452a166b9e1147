/**
 * Issue #14, finding 1: slow connections are timed out, whatever they speak. Partial HTTP/1.1
 * headers (dribbled, so an idle timer would never fire), full headers with a partial body, a
 * bare HTTP/2 session, an HTTP/2 stream with a partial body, a connection that never sends a
 * byte, a half TLS handshake and partial headers over TLS are all cut within the configured
 * limits (short here: 1 s for headers, 1.5 s for a request, 1 s HTTP/2 idle), and
 * `/readyz` on a separate connection answers within 500 ms meanwhile.
 */
import { connect as h2connect, type ClientHttp2Session } from "node:http2";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import { writeSelfSignedTlsCert, type TestTlsCert } from "../helpers/tls-cert.js";
import { closedWithin, probeReadyz } from "./attack-support.js";

const TIMEOUTS = { "headers-timeout-ms": "1000", "request-timeout-ms": "1500", "idle-timeout-ms": "1000" };
/** Longest any attack connection may live: the request limit plus scheduling slack. */
const CLOSED_BY_MS = 1_500 + 1_500;

let plain: TestServer;
let tls: TestServer;
let cert: TestTlsCert;

beforeAll(async () => {
  cert = await writeSelfSignedTlsCert(tempDir());
  [plain, tls] = await Promise.all([startTestServer(TIMEOUTS), startTestServer({ ...TIMEOUTS, "tls-cert": cert.certFile, "tls-key": cert.keyFile })]);
});
afterAll(async () => {
  await Promise.all([plain?.stop(), tls?.stop()]);
});

function rawSocket(port: number, first?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, "127.0.0.1", () => {
      if (first) s.write(first);
      resolve(s);
    });
    s.on("error", () => {});
    s.once("error", reject);
    s.resume();
  });
}

const socketClosed = (s: Socket) => closedWithin((cb) => (s.destroyed ? cb() : s.once("close", cb)), CLOSED_BY_MS + 2_000);
const sessionClosed = (s: ClientHttp2Session) => closedWithin((cb) => (s.destroyed ? cb() : s.once("close", cb)), CLOSED_BY_MS + 2_000);

describe("slow connections on the plaintext port", () => {
  it("partial headers, partial bodies, silent sockets and idle or half-sent HTTP/2 are all cut; /readyz stays fast", async () => {
    const slowHeaders = await Promise.all(Array.from({ length: 40 }, () => rawSocket(plain.port, "POST /v1/sign HTTP/1.1\r\nhost: x\r\n")));
    // Dribble a header byte every 150 ms: an idle timer would be reset forever.
    const dribble = setInterval(() => slowHeaders.forEach((s) => !s.destroyed && s.write("x")), 150);
    const partialBody = await Promise.all(
      Array.from({ length: 20 }, () =>
        rawSocket(plain.port, 'POST /v1/sign HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"artifact":'),
      ),
    );
    const silent = await Promise.all(Array.from({ length: 10 }, () => rawSocket(plain.port)));
    const idleH2 = Array.from({ length: 10 }, () => h2connect(plain.url).on("error", () => {}));
    const halfStreams = Array.from({ length: 5 }, () => {
      const s = h2connect(plain.url).on("error", () => {});
      const stream = s.request({ ":method": "POST", ":path": "/v1/sign", "content-type": "application/json" });
      stream.on("error", () => {});
      stream.write('{"artifact":');
      return s;
    });
    // Probe the steady state under attack: every attacking connection is up (client and server
    // share this process, so their set-up would otherwise be timed too).
    await Promise.all([...idleH2, ...halfStreams].map((s) => new Promise((r) => (s.connecting ? s.once("connect", r) : r(undefined)))));
    await new Promise((r) => setTimeout(r, 100));
    try {
      for (let i = 0; i < 3; i++) {
        const probe = await probeReadyz(plain.url);
        expect(probe.status).toBe(200);
        expect(probe.ms).toBeLessThan(500);
      }
      const closes = await Promise.all([
        ...slowHeaders.map(socketClosed),
        ...partialBody.map(socketClosed),
        ...silent.map(socketClosed),
        ...idleH2.map(sessionClosed),
      ]);
      expect(Math.max(...closes)).toBeLessThan(CLOSED_BY_MS);
      // The half-sent streams are cancelled; their sessions then go idle and are closed too.
      const h2closes = await Promise.all(halfStreams.map(sessionClosed));
      expect(Math.max(...h2closes)).toBeLessThan(CLOSED_BY_MS + 1_000);
    } finally {
      clearInterval(dribble);
      [...slowHeaders, ...partialBody, ...silent].forEach((s) => s.destroy());
      [...idleH2, ...halfStreams].forEach((s) => s.destroy());
    }
  });

  it("a slow HTTP/1.1 client gets a 408 before the connection is closed", async () => {
    const s = await rawSocket(plain.port, "GET /readyz HTTP/1.1\r\n");
    let got = "";
    s.on("data", (d: Buffer) => (got += d.toString()));
    await socketClosed(s);
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("keep-alive connections still carry several requests", async () => {
    const s = await rawSocket(plain.port, "GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n");
    let got = "";
    s.on("data", (d: Buffer) => (got += d.toString()));
    await new Promise((r) => setTimeout(r, 600));
    s.write("GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n");
    await new Promise((r) => setTimeout(r, 600));
    // 1.2 s after connecting, past the header limit: the second request was still served.
    expect(got.match(/HTTP\/1\.1 200/g)?.length).toBe(2);
    s.destroy();
  });
});

describe("slow connections on the TLS port", () => {
  it("a half TLS handshake and partial headers over TLS are cut; /readyz stays fast", async () => {
    // The first 5 bytes of a TLS record header announcing a ClientHello that never comes.
    const halfHandshakes = await Promise.all(Array.from({ length: 20 }, () => rawSocket(tls.port, "\x16\x03\x01\x02\x00")));
    const slowTls = await Promise.all(
      Array.from(
        { length: 10 },
        () =>
          new Promise<ReturnType<typeof tlsConnect>>((resolve, reject) => {
            const s = tlsConnect({ host: "127.0.0.1", port: tls.port, ca: cert.certPem, ALPNProtocols: ["http/1.1"] }, () => {
              s.write("POST /v1/sign HTTP/1.1\r\nhost: x\r\n");
              resolve(s);
            });
            s.on("error", () => {});
            // Read, so that the end of the stream is seen.
            s.resume();
            s.once("error", reject);
          }),
      ),
    );
    try {
      const probe = await probeReadyz(tls.url, cert.certPem);
      expect(probe.status).toBe(200);
      expect(probe.ms).toBeLessThan(500);
      const closes = await Promise.all([...halfHandshakes.map(socketClosed), ...slowTls.map((s) => socketClosed(s as unknown as Socket))]);
      expect(Math.max(...closes)).toBeLessThan(CLOSED_BY_MS);
    } finally {
      [...halfHandshakes, ...slowTls].forEach((s) => s.destroy());
    }
  });
});
