/**
 * One TCP port for every protocol. The first bytes of a connection decide who serves it:
 * the HTTP/2 connection preface ("PRI * HTTP/2.0…") goes to the cleartext HTTP/2 server (h2c:
 * gRPC, Connect over HTTP/2), a TLS ClientHello (0x16) to the TLS server (ALPN picks h2 or
 * http/1.1), anything else to the HTTP/1.1 server (Connect, gRPC-Web, REST, browsers). With TLS
 * configured only TLS is served: cleartext HTTP/1.1 gets a 400 saying so, h2c is cut.
 *
 * Every connection is held to one time-out policy (`connection-deadlines.ts`), whatever it speaks.
 *
 * Shutdown is graceful: stop accepting, let in-flight requests finish within the grace period
 * (HTTP/2 sessions get GOAWAY, idle HTTP/1.1 connections are closed), then cut what is left.
 */
import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from "node:http";
import { createSecureServer, createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from "node:http2";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Logger } from "../logger.js";
import { ConnectionDeadlines, DEFAULT_CONNECTION_TIMEOUTS, type ConnectionTimeouts } from "./connection-deadlines.js";

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const TLS_HANDSHAKE = 0x16;
const PLAINTEXT_REFUSED_BODY = '{"code":"failed_precondition","message":"this port serves TLS only; use https://"}';
const PLAINTEXT_REFUSED = `HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${PLAINTEXT_REFUSED_BODY.length}\r\n\r\n${PLAINTEXT_REFUSED_BODY}`;
/**
 * TLS 1.2 cipher suites: ECDHE key exchange with AEAD ciphers only (TLS 1.3 suites are all AEAD
 * and are always on). No CBC, no RSA key exchange, no SHA-1.
 */
const TLS12_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

type Handler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void;

export interface ListenerOptions {
  host: string;
  port: number;
  handler: Handler;
  log: Logger;
  /**
   * TLS certificate and key; with `clientCa`, client certificates are requested and checked
   * against it, but a handshake without one is not refused (API keys and tokens still work;
   * authentication decides).
   */
  tls?: { cert: Buffer; key: Buffer; clientCa?: Buffer };
  /** Connection time limits (default {@link DEFAULT_CONNECTION_TIMEOUTS}). */
  timeouts?: Partial<ConnectionTimeouts>;
}

/** A listening port with graceful shutdown. */
export class OnePortListener {
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<Http2Session>();
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private closing = false;
  private readonly net = createNetServer((socket) => this.accept(socket));
  private readonly h1;
  private readonly h2;
  private readonly tls;
  private readonly deadlines: ConnectionDeadlines;

  constructor(private readonly opts: ListenerOptions) {
    const deadlines = new ConnectionDeadlines({ ...DEFAULT_CONNECTION_TIMEOUTS, ...opts.timeouts });
    this.deadlines = deadlines;
    const counted: Handler = (req, res) => {
      if (req.httpVersionMajor === 1) deadlines.h1Request(req as IncomingMessage, res as ServerResponse);
      else deadlines.h2Request(req as Http2ServerRequest);
      this.inFlight++;
      if (this.closing && "setHeader" in res && req.httpVersionMajor === 1) res.setHeader("connection", "close");
      res.once("close", () => {
        this.inFlight--;
        if (this.inFlight === 0) this.drained?.();
      });
      opts.handler(req, res);
    };
    // Node's own header and request checks never run here (see connection-deadlines.ts); the
    // keep-alive limit does, since it is a plain socket time-out.
    this.h1 = createHttp1Server({ keepAliveTimeout: deadlines.timeouts.keepAliveMs, headersTimeout: 0, requestTimeout: 0 }, counted);
    this.h2 = createHttp2Server({}, counted);
    this.h2.on("session", (s) => this.track(s));
    if (opts.tls) {
      this.tls = createSecureServer(
        {
          cert: opts.tls.cert,
          key: opts.tls.key,
          allowHTTP1: true,
          minVersion: "TLSv1.2",
          ciphers: TLS12_CIPHERS,
          honorCipherOrder: true,
          ALPNProtocols: ["h2", "http/1.1"],
          handshakeTimeout: deadlines.timeouts.headersMs,
          ...(opts.tls.clientCa ? { ca: opts.tls.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
        },
        counted,
      );
      this.tls.on("session", (s) => this.track(s));
      // HTTP/1.1 over TLS: its first request's headers are due once the handshake is done.
      this.tls.on("secureConnection", (socket: TLSSocket) => {
        // The TLS socket wraps the TCP socket we handed over (with its first bytes put back), and
        // closing it does not close that one: a connection the server ends (a time-out, keep-alive,
        // GOAWAY) would otherwise stay open at the TCP level.
        const tcp = (socket as TLSSocket & { _parent?: Socket })._parent;
        if (tcp) socket.once("close", () => tcp.destroy());
        if (socket.alpnProtocol !== "h2") deadlines.awaitHeaders(socket);
      });
    }
  }

  private track(session: Http2Session): void {
    this.deadlines.session(session);
    this.sessions.add(session);
    session.once("close", () => this.sessions.delete(session));
    if (this.closing) session.close();
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    const ready = this.deadlines.untilReady(socket);
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      if (this.tls && head[0] !== TLS_HANDSHAKE) {
        // With TLS configured nothing is served in cleartext: credentials and signing requests
        // must not cross the network readable. HTTP/1.1 clients are told why; h2c is cut.
        socket.off("data", onData);
        ready();
        if (head.subarray(0, 3).equals(H2_PREFACE.subarray(0, 3))) socket.destroy();
        else {
          socket.end(PLAINTEXT_REFUSED);
          setTimeout(() => socket.destroy(), 500).unref();
        }
        return;
      }
      const n = Math.min(head.length, H2_PREFACE.length);
      const maybeH2 = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (maybeH2 && head.length < H2_PREFACE.length) return; // wait for the rest of the preface
      socket.off("data", onData);
      socket.pause();
      socket.unshift(head);
      // From here the protocol has its own deadlines (for TLS first the TLS server's handshakeTimeout).
      ready();
      if (maybeH2) this.h2.emit("connection", socket);
      else if (head[0] === TLS_HANDSHAKE && this.tls) this.tls.emit("connection", socket);
      else {
        this.deadlines.awaitHeaders(socket);
        this.h1.emit("connection", socket);
      }
      process.nextTick(() => socket.resume());
    };
    socket.on("data", onData);
  }

  /** Starts listening; resolves with the bound address. */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.net.once("error", reject);
      this.net.listen(this.opts.port, this.opts.host, () => {
        this.net.off("error", reject);
        resolve(this.net.address() as AddressInfo);
      });
    });
  }

  /** The bound address (after `listen`). */
  address(): AddressInfo {
    return this.net.address() as AddressInfo;
  }

  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes every
   * connection. Resolves when the port is closed.
   */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((r) => this.net.close(() => r()));
    for (const s of this.sessions) s.close();
    this.h1.closeIdleConnections();
    if (this.inFlight > 0) {
      const idle = setInterval(() => this.h1.closeIdleConnections(), 100);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      clearInterval(idle);
      if (this.inFlight > 0) this.opts.log.warn({ inFlight: this.inFlight, graceMs }, "grace period over; closing connections with calls still running");
    }
    this.h1.closeAllConnections();
    for (const s of this.sessions) s.destroy();
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}
