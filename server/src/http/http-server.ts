import { STATUS_CODES, createServer, type RequestListener, type Server } from "node:http";
import type { Socket } from "node:net";
import { statusOf, type ErrorBody, type ErrorCode } from "@liveline/protocol";
import type { Logger, Part } from "@liveline/core";
import type { HttpTimeouts } from "../config.js";

/**
 * How often node:http looks for requests past their headers or request timeout. Node's default
 * (30 s) let a slowloris connection live up to 30 s past its timeout; a second is cheap (only
 * connections in the middle of a request are looked at).
 */
const CHECK_INTERVAL_MS = 1000;

/**
 * The node:http server every role's HTTP (API, pages, SSE, Socket.IO) runs on, with limits on
 * clients that are slow to send: a request's headers must arrive within `headersMs` and the
 * whole request within `requestMs` (both measured while the request is being received, so a
 * long-lived response such as an SSE stream or a long-polling GET is not cut by them), an idle
 * keep-alive connection is closed after `keepAliveMs`, and a connection on which nothing moves
 * either way for `idleMs` is closed. Requests node:http cannot parse are answered in the API's
 * `{error: {code, message}}` shape (see `answerClientError`).
 */
export function createHttpServer(
  app: RequestListener,
  timeouts: HttpTimeouts,
  logger: Logger,
  /** True once the process drains: every answer then closes its connection, so keep-alive clients move on. */
  draining: () => boolean,
): Server {
  const server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: Math.min(CHECK_INTERVAL_MS, Math.ceil(timeouts.headersMs / 2)),
    },
    app,
  );
  server.keepAliveTimeout = timeouts.keepAliveMs;
  server.timeout = timeouts.idleMs;
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => answerClientError(err, socket, logger));
  server.prependListener("request", (_req, res) => {
    if (draining()) res.setHeader("Connection", "close");
  });
  return server;
}

/** What a node:http parse or timeout error becomes; undefined when there is no one to answer. */
export function clientErrorCode(err: NodeJS.ErrnoException): ErrorCode | undefined {
  switch (err.code) {
    case "ECONNRESET":
    case "HPE_INVALID_EOF_STATE": // the client closed mid-request
      return undefined;
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return "request_timeout";
    case "HPE_HEADER_OVERFLOW":
      return "headers_too_large";
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return "payload_too_large";
    default:
      return "bad_request";
  }
}

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  request_timeout: "the request was not received in time",
  headers_too_large: "the request headers are too large",
  payload_too_large: "the request's chunk extensions are too large",
  bad_request: "the request could not be parsed as HTTP/1.1",
};

/**
 * node:http's `clientError`: the request could not be parsed (request line, header syntax,
 * headers over 16 KiB) or did not arrive in time. No Express handler runs for it, so the answer
 * is written raw, like node's own default, but with the documented JSON body; the connection is
 * closed after it. As node does, nothing is written once the response in progress on the
 * connection has sent its headers, so no answer is corrupted. (Not "once the connection has
 * sent a byte": a keep-alive connection's earlier answers are complete, and its next request,
 * say one with headers over the limit, is owed its 431 like the first.)
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket, logger: Logger): void {
  const code = clientErrorCode(err);
  if (code === undefined || !socket.writable || responseStarted(socket)) {
    socket.destroy();
    return;
  }
  const status = statusOf(code);
  const body: ErrorBody = { error: { code, message: MESSAGES[code] ?? "bad request" } };
  const json = JSON.stringify(body);
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n` +
      "Content-Type: application/json; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      "Cache-Control: no-store\r\n" +
      "Connection: close\r\n\r\n" +
      json,
  );
  // Destroyed once written, so a client that never closes its side holds nothing.
  socket.destroySoon();
  logger.debug({ code, parserCode: err.code, ip: socket.remoteAddress }, "http client error");
}

/**
 * Whether the response node:http is writing on this connection has sent its headers: node's own
 * clientError default asks the same of `socket._httpMessage` (the response in progress, none
 * between keep-alive requests).
 */
function responseStarted(socket: Socket): boolean {
  const current: unknown = Reflect.get(socket, "_httpMessage");
  return typeof current === "object" && current !== null && Reflect.get(current, "headersSent") === true;
}

/**
 * The server's listening socket as a part: started last, so nothing is accepted before every
 * other part is up; closed first, so a leaving node stops accepting before anything else.
 */
export function listenerPart(server: Server, at: { port: number; host: string; backlog: number }): Part {
  return {
    name: "listener",
    start: () =>
      new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(at, () => resolve());
      }),
    // Stop accepting; the connections already open are the "http" part's.
    close: () => {
      server.close();
    },
  };
}

/**
 * The server's open connections as a part: `closeSockets` ends the Socket.IO side (which waits
 * for the HTTP server to close). A keep-alive HTTP client that never pauses (an editor's CMS)
 * would hold the server open for ever: idle connections go at once, busy ones after a second.
 */
export function connectionsPart(server: Server, closeSockets: () => Promise<void>): Part {
  return {
    name: "http",
    close: async () => {
      server.closeIdleConnections();
      const hard = setTimeout(() => server.closeAllConnections(), 1000);
      await closeSockets();
      clearTimeout(hard);
    },
  };
}
