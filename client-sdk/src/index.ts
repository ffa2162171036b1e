export {
  LivelineClient,
  type ClientOptions,
  type ClientEvents,
  type ConnectionState,
  type StateChange,
} from "./client.js";
export { Subscription, type SubscriptionEvents, type SubscribedContext } from "./subscription.js";
export { FeedState } from "./feed-state.js";
export { expiryOf, type GetToken } from "./token-source.js";
export {
  fetchCatchUp,
  CatchUpError,
  type CatchUpOptions,
  type CatchUpResult,
  type FetchLike,
} from "./http-catch-up.js";
export { fullJitterDelay } from "./backoff.js";
export { TypedEmitter, type EventMap } from "./typed-emitter.js";
export type { Entry, Feed, FeedEvent, SubscribeAck, WireError, ErrorCode } from "@liveline/protocol";
