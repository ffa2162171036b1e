import * as accounts from "./account-operations.js";
import * as entries from "./entry-operations.js";
import * as feeds from "./feed-operations.js";
import * as media from "./media-operations.js";
import * as outputs from "./output-operations.js";
import * as service from "./service-operations.js";

/**
 * Every operation the service answers, by operationId: the one definition the server's router,
 * `/openapi.json` and the SDK's `LivelineApi` are made from.
 */
export const OPERATIONS: Operations = {
  ...service,
  ...feeds,
  ...entries,
  ...media,
  ...outputs,
  ...accounts,
};

// Named by the modules, so that declarations refer to each operation instead of restating it.
export type Operations = typeof service &
  typeof feeds &
  typeof entries &
  typeof media &
  typeof outputs &
  typeof accounts;
export type OperationId = keyof Operations;
