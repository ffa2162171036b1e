export * from "./operation.js";
export * from "./operations.js";
export type * from "./client-types.js";
