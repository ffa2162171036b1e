import { Router, type NextFunction, type Request, type RequestHandler, type Response } from "express";
import type { z } from "zod";
import {
  OPERATIONS,
  PATH_PARAMS,
  needsToken,
  paramNamesOf,
  type HeaderParam,
  type OperationDef,
  type OperationId,
  type Operations,
  type PathParams,
} from "@liveline/protocol";
import type { Logger } from "@liveline/core";
import { authenticate, requireAccess, requireGlobalAdmin, type SessionLookup } from "../auth/auth.js";
import type { TokenVerifier } from "../auth/token-verifier.js";
import { parseOr400 } from "../errors.js";
import { jsonBody, optionalJsonBody, parseJsonBody, requireJson } from "./json-body.js";
import type { RateLimits } from "./rate-limits.js";
import type { WriteLimit } from "../feed/feed-service.js";
import type { Principal } from "../auth/principal.js";

/**
 * The server's half of an operation: its handler. Everything else about a route (who may call
 * it, its rate limit, the validation of its path, query, headers and body) comes from the
 * operation's definition in `@liveline/protocol`, here and in /openapi.json alike.
 */

type QueryOf<O> = O extends { query: infer Q extends z.ZodType } ? z.output<Q> : Record<string, never>;
type HeadersOf<O> = O extends { headers: infer H extends Record<string, HeaderParam> }
  ? { [K in keyof H]?: z.output<H[K]["schema"]> }
  : Record<string, never>;
type BodyOf<O> = O extends { body: infer B extends z.ZodType }
  ? O extends { bodyType: "multipart/form-data" }
    ? undefined // read by the handler itself, as it streams in
    : O extends { bodyOptional: true }
      ? z.output<B> | undefined
      : z.output<B>
  : undefined;

/** One call of an operation, validated: what its handler works with. */
export interface Call<O extends OperationDef> {
  params: PathParams<O["path"]>;
  query: QueryOf<O>;
  headers: HeadersOf<O>;
  body: BodyOf<O>;
  /** Who the bearer token speaks for (undefined without one). */
  principal: Principal | undefined;
  /**
   * The token's write limit, for the store's accept to count (a handler marked with
   * limitAtAccept, when the store can); undefined when the router counted it already, or none.
   */
  limit: WriteLimit | undefined;
  /** For handlers that answer themselves (a page, a file, a stream) or read request details. */
  req: Request;
  res: Response;
  next: NextFunction;
}

type Status<O extends OperationDef> = keyof O["responses"] & number;

/** A JSON answer the handler returns: one the operation declares (a failure is thrown instead). */
export type Answer<O extends OperationDef> = {
  [S in Status<O>]: (O["responses"][S] extends { schema: infer T extends z.ZodType }
    ? { status: S; body: z.output<T> }
    : { status: S; body?: undefined }) & { headers?: Record<string, string> };
}[Status<O>];

/**
 * Returns the answer to send as JSON, or undefined when it answered itself through `res`
 * (HTML, a file, an event stream). Errors are thrown as LivelineError.
 */
export type Handler<O extends OperationDef> = (call: Call<O>) => Promise<Answer<O> | undefined> | Answer<O> | undefined;

/** Handlers of the operations `Ids`: a part of the server supplies those it owns. */
export type Handlers<Ids extends OperationId> = { [K in Ids]: Handler<Operations[K]> };

/** An Express handler (a page, a script) as the handler of an operation that answers itself. */
export const expressHandler =
  (handler: RequestHandler) =>
  async (call: { req: Request; res: Response; next: NextFunction }): Promise<undefined> => {
    await handler(call.req, call.res, call.next);
    return undefined;
  };

const AT_ACCEPT = Symbol("the write limit is counted at the accept");

/**
 * Marks the handler of a write that goes to the store's accept: the token's write limit is counted
 * there, in the same step as the write (Call.limit), instead of by a round trip of its own first.
 * Where the store cannot (a Redis Cluster) the router counts it first, as for every other write.
 */
export function limitAtAccept<H extends (call: never) => unknown>(handler: H): H {
  return Object.assign(handler, { [AT_ACCEPT]: true });
}

/** Told of each operation's request as it starts (before the body, the token or the schemas). */
export type OperationObserver = (operation: OperationId, res: Response) => void;

export interface OperationRouterOptions {
  verifier: TokenVerifier;
  /** People signed in to the console, by their session cookie. */
  sessions?: SessionLookup;
  limits: RateLimits;
  logger: Logger;
  observe?: OperationObserver;
}

/**
 * Express routes for every operation, from its definition and its handler. In order: the token
 * (a bad one is 401 on any API operation), the access level (401/403), the rate limit (writes:
 * the token's, or a reader's address's; a write marked limitAtAccept is counted by the store's
 * accept instead, after the schemas), the body (415, 413, invalid JSON; a POST's or PATCH's
 * is read first of all), then the path parameters, query, headers and body against their
 * schemas (400), then the handler.
 */
export function operationRouter(handlers: Handlers<OperationId>, o: OperationRouterOptions): Router {
  const router = Router();
  const byToken: RequestHandler = (req, _res, next) => {
    o.limits.consume("publish", req.principal?.sub ?? "unknown").then(() => next(), next);
  };
  // Opting in or out of alerts needs no token on a public feed (a reader has none): it counts
  // against the address (RATE_LIMIT_CONNECTIONS), which the app reads through TRUST_PROXY.
  const byAddress: RequestHandler = (req, _res, next) => {
    o.limits.consume("connect", req.ip ?? "unknown").then(() => next(), next);
  };
  const authenticated = authenticate(o.verifier, o.logger, o.sessions);

  for (const [id, op] of Object.entries(OPERATIONS) as [OperationId, OperationDef][]) {
    const chain: RequestHandler[] = [];
    const observe = o.observe;
    if (observe !== undefined)
      chain.push((_req, res, next) => {
        observe(id, res);
        next();
      });
    const json = op.body !== undefined && op.bodyType !== "multipart/form-data";
    // A POST's or PATCH's JSON body is read first, before anything is answered: a request whose
    // body is still arriving is never answered half-way (its sender would read that answer
    // and then a 408 for the rest), and one sent too slowly is cut by the request timeout.
    const readsFirst = json && (op.method === "post" || op.method === "patch");
    if (readsFirst) chain.push(parseJsonBody);
    if (op.access !== "anyone") chain.push(authenticated);
    if (op.access === "admin-all") chain.push(requireGlobalAdmin);
    else if (op.access !== "anyone" && op.access !== "reader") chain.push(requireAccess(op.access));
    const handler = handlers[id];
    const atAccept = needsToken(op.access) && AT_ACCEPT in handler && o.limits.countedAtAccept;
    if (op.method !== "get" && op.access !== "anyone" && !atAccept)
      chain.push(needsToken(op.access) ? byToken : byAddress);
    if (readsFirst) chain.push(requireJson);
    else if (json) chain.push(...(op.bodyOptional ? [optionalJsonBody] : jsonBody));
    // The handler's own types hold for what invoke() hands it: each part parsed by its schema.
    const limitOf = atAccept ? (p: Principal | undefined) => o.limits.atAccept(p?.sub ?? "unknown") : () => undefined;
    chain.push(invoke(op, handler as unknown as AnyHandler, limitOf));
    router[op.method](op.path, ...chain);
  }
  return router;
}

/** A handler as the router sees it, whatever its operation. */
type AnyHandler = (call: {
  params: Request["params"];
  query: unknown;
  headers: Record<string, unknown>;
  body: unknown;
  principal: Principal | undefined;
  limit: WriteLimit | undefined;
  req: Request;
  res: Response;
  next: NextFunction;
}) => Promise<AnyAnswer | undefined> | AnyAnswer | undefined;
interface AnyAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

function invoke(
  op: OperationDef,
  handler: AnyHandler,
  limitOf: (principal: Principal | undefined) => WriteLimit | undefined,
): RequestHandler {
  // A page or a file answers 404 for a name that is not one of its own; the API says 400.
  const params = op.path.startsWith("/v1/") ? paramNamesOf(op.path) : [];
  const headers = Object.entries(op.headers ?? {});
  return async (req, res, next) => {
    for (const name of params) parseOr400(PATH_PARAMS[name], req.params[name], `path parameter '${name}'`);
    const query: unknown = op.query ? parseOr400(op.query, req.query, "query") : {};
    const sent: Record<string, unknown> = {};
    for (const [name, h] of headers) {
      const value = req.get(name);
      if (value !== undefined) sent[name] = parseOr400(h.schema, value, `${name} header`);
    }
    let body: unknown;
    if (op.body !== undefined && op.bodyType !== "multipart/form-data") {
      const given: unknown = req.body;
      body = op.bodyOptional && given === undefined ? undefined : parseOr400(op.body, given ?? {}, "request body");
    }
    const answer = await handler({
      params: req.params,
      query,
      headers: sent,
      body,
      principal: req.principal,
      limit: limitOf(req.principal),
      req,
      res,
      next,
    });
    if (answer === undefined) return;
    res.status(answer.status);
    if (answer.headers) res.set(answer.headers);
    if (answer.body === undefined) res.end();
    else res.json(answer.body);
  };
}
