import { LivelineClient, type FeedEvent, type Subscription } from "@liveline/client-sdk";
import { waitFor } from "./wait.js";

/** An SDK reader that records every applied event, for assertions. */
export interface Reader {
  client: LivelineClient;
  sub: Subscription;
  events: FeedEvent[];
  close(): void;
}

export function openReader(
  url: string,
  feedId: string,
  options: Partial<ConstructorParameters<typeof LivelineClient>[0]> = {},
): Reader {
  const client = new LivelineClient({
    url,
    transports: ["websocket"],
    minReconnectDelay: 50,
    maxReconnectDelay: 500,
    ...options,
  });
  const sub = client.subscribe(feedId);
  const events: FeedEvent[] = [];
  sub.on("event", (e) => events.push(e));
  return { client, sub, events, close: () => client.close() };
}

export async function readerReady(reader: Reader, timeoutMs = 10_000): Promise<void> {
  await waitFor(() => reader.sub.seq !== undefined, `reader of ${reader.sub.feedId} to be subscribed`, timeoutMs);
}

export function seqs(events: FeedEvent[]): number[] {
  return events.map((e) => e.seq);
}
