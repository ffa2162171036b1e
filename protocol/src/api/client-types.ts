import type { z } from "zod";
import type { OperationId, Operations } from "./operations.js";
import type { ParamNames, PathParams } from "./operation.js";

/**
 * The API as a typed client sees it (`LivelineApi` in the SDK): types only, computed from the
 * operation definitions, so a client carries no schema library. Each route is named as the
 * README names it, `"POST /v1/feeds/:feedId/entries"`.
 */

/** The JSON operations of `/v1` (the event stream is read with EventSource, not this client). */
export type ApiOperationId = {
  [K in OperationId]: Operations[K]["path"] extends `/v1/${string}`
    ? Operations[K]["responses"] extends Record<200, { contentType: string }>
      ? never
      : K
    : never;
}[OperationId];

type RouteOf<K extends ApiOperationId> = `${Uppercase<Operations[K]["method"]>} ${Operations[K]["path"]}`;

/** `"GET /v1/feeds/:feedId"`, `"POST /v1/feeds/:feedId/entries"` … */
export type ApiRoute = { [K in ApiOperationId]: RouteOf<K> }[ApiOperationId];

type OperationOf<R extends ApiRoute> = Operations[{
  [K in ApiOperationId]: R extends RouteOf<K> ? K : never;
}[ApiOperationId]];

type Flatten<T> = { [K in keyof T]: T[K] } & {};

/** A query value as the operation reads it, or its text (a `next` cursor is passed on as is). */
type QueryValues<T> = { [K in keyof T]: T[K] | string };

type ParamsPart<O> = O extends { path: infer P extends string }
  ? [ParamNames<P>] extends [never]
    ? { params?: never }
    : { params: PathParams<P> }
  : never;

type QueryPart<O> = O extends { query: infer Q extends z.ZodType }
  ? Record<string, never> extends QueryValues<z.output<Q>>
    ? { query?: QueryValues<z.output<Q>> }
    : { query: QueryValues<z.output<Q>> }
  : { query?: never };

type HeadersPart<O> = O extends { headers: infer H } ? { headers?: { [K in keyof H]?: string } } : { headers?: never };

type BodyPart<O> = O extends { body: infer B extends z.ZodType }
  ? O extends { bodyType: "multipart/form-data" }
    ? { body: FormData }
    : O extends { bodyOptional: true }
      ? { body?: z.input<B> }
      : { body: z.input<B> }
  : { body?: never };

/** What a call of `route` sends: its path parameters, query, headers and body, each when it has them. */
export type ApiRequest<R extends ApiRoute> = Flatten<
  ParamsPart<OperationOf<R>> & QueryPart<OperationOf<R>> & HeadersPart<OperationOf<R>> & BodyPart<OperationOf<R>>
>;

type Responses<R extends ApiRoute> = OperationOf<R>["responses"];
type SuccessStatus<R extends ApiRoute> = Extract<keyof Responses<R>, 200 | 201 | 202 | 204>;

/** A successful answer of `route`: each 2xx status it declares, with its body (undefined when it has none). */
export type ApiResult<R extends ApiRoute> = {
  [S in SuccessStatus<R>]: {
    status: S;
    data: Responses<R>[S] extends { schema: infer T extends z.ZodType } ? z.output<T> : undefined;
    headers: Headers;
  };
}[SuccessStatus<R>];
