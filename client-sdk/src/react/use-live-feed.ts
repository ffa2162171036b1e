import { useMemo, useSyncExternalStore } from "react";
import type { Entry, WireError } from "@liveline/protocol";
import type { LivelineClient } from "../client.js";
import type { ConnectionState } from "../states.js";
import type { Subscription } from "../subscription.js";

/** What `useLiveFeed` gives a component; a new object only when something in it changed. */
export interface LiveFeedState {
  /** Current entries, pinned flagged on each, newest first. */
  readonly entries: readonly Entry[];
  /** The feed's one pinned entry, if any. */
  readonly pinned: Entry | undefined;
  /** The client's connection state. */
  readonly state: ConnectionState;
  /** The subscription's last error (e.g. `feed_not_found`, `forbidden`), until the next change. */
  readonly error: WireError | undefined;
}

interface FeedStore {
  subscribe: (onChange: () => void) => () => void;
  getSnapshot: () => LiveFeedState;
}

/**
 * How many components follow each feed of each client through this hook: the subscription
 * ends with the last of them (the client's subscribe() hands every caller the same one).
 */
const followers = new WeakMap<LivelineClient, Map<string, number>>();

function follow(client: LivelineClient, feedId: string, by: number): number {
  const counts = followers.get(client) ?? new Map<string, number>();
  followers.set(client, counts);
  const n = (counts.get(feedId) ?? 0) + by;
  if (n === 0) counts.delete(feedId);
  else counts.set(feedId, n);
  return n;
}

function feedStore(client: LivelineClient, feedId: string): FeedStore {
  let snapshot: LiveFeedState = { entries: [], pinned: undefined, state: client.state, error: undefined };
  let error: WireError | undefined;
  const take = (sub: Subscription): void => {
    const entries = sub.entries;
    snapshot = { entries, pinned: entries.find((e) => e.pinned), state: client.state, error };
  };
  return {
    subscribe: (onChange) => {
      const sub = client.subscribe(feedId);
      follow(client, feedId, 1);
      const changed = () => {
        take(sub);
        onChange();
      };
      const offs = [
        sub.on("entries", () => {
          error = undefined;
          changed();
        }),
        sub.on("error", (e) => {
          error = e;
          changed();
        }),
        client.on("state", changed),
      ];
      take(sub); // another component may have followed this feed already
      return () => {
        for (const off of offs) off();
        if (follow(client, feedId, -1) === 0) sub.unsubscribe();
      };
    },
    getSnapshot: () => snapshot,
  };
}

/**
 * Follow a live feed from a React component (React 18 or later; React Native too): the
 * entries as the SDK keeps them, in order and without gaps, re-rendered on every change.
 *
 * @example
 * const client = useMemo(() => new LivelineClient({ url: "https://live.example.com" }), []);
 * const { entries, pinned, state, error } = useLiveFeed(client, "election-night");
 */
export function useLiveFeed(client: LivelineClient, feedId: string): LiveFeedState {
  const store = useMemo(() => feedStore(client, feedId), [client, feedId]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
