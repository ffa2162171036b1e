export { LivelineClient, type ClientOptions, type ClientEvents } from "./client.js";
export type {
  ConnectionState,
  ConnectionStateReason,
  StateChange,
  SubscriptionState,
  SubscriptionStateReason,
  SubscriptionStateChange,
} from "./states.js";
export {
  socketIoTransport,
  type Transport,
  type TransportFactory,
  type TransportHandlers,
  type TransportOptions,
  type CloseInitiator,
} from "./transport.js";
export {
  Subscription,
  type SubscriptionEvents,
  type SubscribedContext,
  type UnrecoveredReason,
} from "./subscription.js";
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
export { LivelineApi, ApiError, type ApiOptions, type ApiFetch, type CallOptions } from "./api-client.js";
export { TypedEmitter, type EventMap } from "./typed-emitter.js";
export type {
  Entry,
  Feed,
  FeedEvent,
  FeedResetNotice,
  SubscribeAck,
  WireError,
  ErrorCode,
  ApiRoute,
  ApiRequest,
  ApiResult,
} from "@liveline/protocol";
