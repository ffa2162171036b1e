export * from "./constants.js";
export * from "./schemas.js";
export type * from "./types.js";
export * from "./media.js";
export * from "./outputs.js";
export * from "./editorial.js";
export * from "./accounts.js";
export * from "./api/index.js";
