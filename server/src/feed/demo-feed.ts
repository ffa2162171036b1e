import type { PublishEntryRequest } from "@liveline/protocol";
import type { FeedService } from "./feed-service.js";
import { LivelineError } from "../errors.js";

export const DEMO_FEED_ID = "demo";

const DEMO_ENTRIES: PublishEntryRequest[] = [
  {
    id: "welcome",
    headline: "Welcome to the live demo",
    body: "<p>This entry is <strong>pinned</strong>: it stays on top while new updates arrive below it.</p>",
    author: { name: "Liveline" },
    pinned: true,
  },
  {
    id: "doors-open",
    headline: "Doors open",
    body: "<p>The hall is filling up. Open the console in another window and publish an update.</p>",
    author: { name: "Demo desk" },
    keyEvent: true,
  },
  {
    id: "first-speaker",
    body: "<p>The first speaker is on stage. <em>Breaking</em> entries stand out like this one.</p>",
    breaking: true,
  },
];

/**
 * Development only: make sure a "demo" feed with a few entries exists, so the page that
 * `npm start` prints shows something at once. Never called outside NODE_ENV=development.
 */
export async function ensureDemoFeed(service: FeedService): Promise<boolean> {
  try {
    await service.createFeed({
      id: DEMO_FEED_ID,
      title: "Liveline demo: launch day, live",
      description: "A demo feed created by `npm start` in development. Publish from the console to see entries appear.",
    });
  } catch (err) {
    if (err instanceof LivelineError && err.code === "feed_exists") return false;
    throw err;
  }
  for (const entry of DEMO_ENTRIES) await service.publish(DEMO_FEED_ID, entry);
  return true;
}
