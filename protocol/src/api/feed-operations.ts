import { z } from "zod";
import {
  AudienceQuery,
  CreateFeedRequest,
  EventsQuery,
  EventsResponse,
  FailedChangesResponse,
  Feed,
  FeedAudience,
  FeedStats,
  PresenceRequest,
  SseEventId,
  UpdateFeedRequest,
} from "../schemas.js";
import { defineOperation } from "./operation.js";
import { accepted, err, text } from "./replies.js";

/** Feeds: their list, metadata, who is here, and their events (catch-up and the live stream). */

export const listFeeds = defineOperation({
  method: "get",
  path: "/v1/feeds",
  summary: "List feeds (private ones only for a token that may read them)",
  access: "reader",
  responses: { 200: { description: "feeds", schema: z.object({ feeds: z.array(Feed) }) } },
});

export const createFeed = defineOperation({
  method: "post",
  path: "/v1/feeds",
  summary: "Create a feed (admin)",
  access: "admin",
  body: CreateFeedRequest,
  responses: { 201: { description: "created", schema: Feed }, 409: err("feed_exists") },
});

export const getFeed = defineOperation({
  method: "get",
  path: "/v1/feeds/:feedId",
  summary: "A feed with its current seq (for its editors, also `failedChanges`: changes set aside)",
  access: "reader",
  responses: { 200: { description: "the feed", schema: Feed } },
});

export const listFailedChanges = defineOperation({
  method: "get",
  path: "/v1/feeds/:feedId/failed",
  summary:
    "Changes that were accepted (202) but could not be applied, set aside so the feed goes on: newest first (editors of the feed)",
  access: "edit",
  responses: { 200: { description: "the set-aside changes", schema: FailedChangesResponse } },
});

export const getFeedStats = defineOperation({
  method: "get",
  path: "/v1/feeds/:feedId/stats",
  summary:
    "Who is here (editors of the feed): readers connected to every server node by transport, and the editors present with what they are editing; at most a few seconds behind",
  access: "edit",
  responses: { 200: { description: "readers and editors now", schema: FeedStats } },
});

export const getFeedAudience = defineOperation({
  method: "get",
  path: "/v1/feeds/:feedId/audience",
  summary:
    "Readers over time (editors of the feed): readers now, the peak (the highest sample ever, kept past the trimming), and one sample per AUDIENCE_SAMPLE_MS over the last `hours` (6 by default, 1–168; samples are kept AUDIENCE_KEEP_HOURS)",
  access: "edit",
  query: AudienceQuery,
  responses: { 200: { description: "readers now, the peak and the samples", schema: FeedAudience } },
});

export const heartbeatPresence = defineOperation({
  method: "post",
  path: "/v1/feeds/:feedId/presence",
  summary:
    "An editor's heartbeat: present in the feed (and editing `editing`, an entry id) until PRESENCE_EDITOR_TTL_MS (15 s) passes without another",
  access: "edit",
  body: PresenceRequest,
  responses: { 204: { description: "present" } },
});

export const leavePresence = defineOperation({
  method: "delete",
  path: "/v1/feeds/:feedId/presence",
  summary: "The editor leaves the feed (no longer listed in its stats)",
  access: "edit",
  responses: { 204: { description: "gone" } },
});

export const updateFeed = defineOperation({
  method: "patch",
  path: "/v1/feeds/:feedId",
  summary: "Change title, description, status or visibility (admin)",
  access: "admin",
  body: UpdateFeedRequest,
  responses: { 202: accepted },
});

export const listEvents = defineOperation({
  method: "get",
  path: "/v1/feeds/:feedId/events",
  summary:
    "Catch-up: events after `since` (of `epoch`), or a snapshot with reset (log trimmed, or another epoch: history lost)",
  access: "reader",
  query: EventsQuery,
  responses: { 200: { description: "events or snapshot", schema: EventsResponse } },
});

export const streamEvents = defineOperation({
  method: "get",
  path: "/v1/feeds/:feedId/stream",
  summary: "Server-Sent Events: `id: <epoch>:<seq>`, `event: <type>`, JSON data; resume with Last-Event-ID",
  access: "reader",
  query: z.strictObject({ since: EventsQuery.shape.since.optional(), epoch: EventsQuery.shape.epoch }),
  headers: {
    "Last-Event-ID": {
      schema: SseEventId,
      asSent: true,
      description:
        "resume after `<epoch>:<seq>` (or a plain `<seq>`), wins over ?since=&epoch=; another epoch answers `event: reset`",
    },
  },
  responses: { 200: text("an endless text/event-stream", "text/event-stream") },
});
