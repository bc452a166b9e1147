/**
 * One time-out policy for every connection on the one port, whatever protocol it speaks.
 *
 * Why our own: the one-port listener owns the TCP socket and hands each connection to Node's
 * HTTP/1.1, HTTP/2 or TLS server with `emit("connection")`. Those servers never `listen`, and Node
 * starts its HTTP/1.1 header and request checks (`headersTimeout`, `requestTimeout`) only on
 * `listening`; HTTP/2 sessions have no idle limit at all. Without this, a client that sends half a
 * request line, half a body, a bare HTTP/2 preface or half a TLS handshake holds a descriptor
 * forever, and a few hundred of them starve the process of descriptors (found by the attack pass
 * of issue #14).
 *
 * Every deadline is absolute (a dribbling client does not extend it) and ends with the socket
 * destroyed; what a client sees before that is a 408 where HTTP/1.1 allows one.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { constants as h2constants, type Http2ServerRequest, type Http2Session, type Http2Stream } from "node:http2";
import type { Duplex } from "node:stream";

/** The time limits, all in milliseconds. */
export interface ConnectionTimeouts {
  /**
   * From accept until the connection has said which protocol it speaks, and (TLS) until the
   * handshake is complete; also the time HTTP/1.1 headers and a fresh HTTP/2 session's first
   * stream may take.
   */
  readonly headersMs: number;
  /** Time to receive a whole request, headers and body (an HTTP/1.1 request or an HTTP/2 stream's request side). */
  readonly requestMs: number;
  /** An HTTP/2 session with no open stream for this long is closed. */
  readonly idleMs: number;
  /** An idle HTTP/1.1 keep-alive connection is closed after this long. */
  readonly keepAliveMs: number;
}

/** The defaults: what the README documents. */
export const DEFAULT_CONNECTION_TIMEOUTS: ConnectionTimeouts = Object.freeze({ headersMs: 15_000, requestMs: 60_000, idleMs: 60_000, keepAliveMs: 5_000 });

/** Pause between a 408 and cutting the connection, so the answer can leave, ms. */
const LINGER_MS = 500;
const REQUEST_TIMEOUT_RESPONSE =
  "HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: 38\r\n\r\nthe request was not received in time\r\n";

interface H1State {
  timer: NodeJS.Timeout | undefined;
  /** Requests received whose response has not finished (pipelining). */
  outstanding: number;
}

/** Arms and clears the deadlines; one per listener. */
export class ConnectionDeadlines {
  private readonly h1 = new WeakMap<Duplex, H1State>();

  constructor(readonly timeouts: ConnectionTimeouts) {}

  /**
   * A deadline for a socket whose protocol is not known yet, or whose TLS handshake is under way.
   * Returns the function that disarms it.
   */
  untilReady(socket: Duplex): () => void {
    const timer = setTimeout(() => socket.destroy(), this.timeouts.headersMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    socket.once("close", clear);
    return clear;
  }

  /** An HTTP/1.1 connection (plaintext, or TLS after the handshake): its first request's headers are due. */
  awaitHeaders(socket: Duplex): void {
    let state = this.h1.get(socket);
    if (state === undefined) {
      state = { timer: undefined, outstanding: 0 };
      this.h1.set(socket, state);
      const s = state;
      socket.once("close", () => clearTimeout(s.timer));
    }
    if (state.outstanding > 0 || socket.destroyed) return;
    clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      socket.end(REQUEST_TIMEOUT_RESPONSE);
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    }, this.timeouts.headersMs);
    state.timer.unref();
  }

  /** An HTTP/1.1 request whose headers arrived: its body is due, and the next headers once it is answered. */
  h1Request(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const state = this.h1.get(socket) ?? { timer: undefined, outstanding: 0 };
    this.h1.set(socket, state);
    clearTimeout(state.timer);
    state.timer = undefined;
    state.outstanding++;
    const body = setTimeout(() => socket.destroy(), this.timeouts.requestMs);
    body.unref();
    const received = () => clearTimeout(body);
    req.once("end", received);
    req.once("close", received);
    res.once("close", () => {
      received();
      state.outstanding--;
      this.awaitHeaders(socket);
    });
  }

  /** An HTTP/2 stream's request: its request side must be complete within the request time. */
  h2Request(req: Http2ServerRequest): void {
    const stream = req.stream;
    const timer = setTimeout(() => {
      if (!stream.destroyed) stream.close(h2constants.NGHTTP2_CANCEL);
    }, this.timeouts.requestMs);
    timer.unref();
    const received = () => clearTimeout(timer);
    req.once("end", received);
    stream.once("close", received);
  }

  /**
   * An HTTP/2 session: closed when it has had no open stream for the idle time (the first stream
   * is due within the header time).
   */
  session(session: Http2Session): void {
    let open = 0;
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (open === 0 && !session.destroyed) {
          session.close();
          // A peer that does not acknowledge the GOAWAY is cut.
          setTimeout(() => session.destroy(), LINGER_MS).unref();
        }
      }, ms);
      timer.unref();
    };
    arm(this.timeouts.headersMs);
    session.on("stream", (stream: Http2Stream) => {
      open++;
      clearTimeout(timer);
      stream.once("close", () => {
        open--;
        if (open === 0) arm(this.timeouts.idleMs);
      });
    });
    session.once("close", () => clearTimeout(timer));
  }
}
