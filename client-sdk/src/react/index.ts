/**
 * `@liveline/client-sdk/react`: a hook and a component for apps built with React. React is a
 * peer dependency of this entry only; the SDK's other entries never import it.
 */
export { useLiveFeed, type LiveFeedState } from "./use-live-feed.js";
export { LiveFeed, type LiveFeedProps } from "./live-feed.js";
