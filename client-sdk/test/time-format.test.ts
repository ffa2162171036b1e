import { describe, expect, it } from "vitest";
import { absoluteTime, clockTime, relativeTime } from "../src/widget/time-format.js";

describe("widget times", () => {
  it("names the zone and follows daylight-saving changes in absolute times", () => {
    // Europe/London springs forward at 01:00 UTC on 29 March 2026.
    expect(absoluteTime("2026-03-29T00:30:00Z", "en-GB", "Europe/London")).toBe("29 Mar 2026, 00:30 GMT");
    expect(absoluteTime("2026-03-29T01:30:00Z", "en-GB", "Europe/London")).toBe("29 Mar 2026, 02:30 BST");
    // New York falls back on 1 November 2026: the same wall-clock hour twice, told apart by the zone.
    expect(absoluteTime("2026-11-01T05:30:00Z", "en-US", "America/New_York")).toBe("Nov 1, 2026, 01:30 AM EDT");
    expect(absoluteTime("2026-11-01T06:30:00Z", "en-US", "America/New_York")).toBe("Nov 1, 2026, 01:30 AM EST");
  });

  it("counts relative times in elapsed time, so a clock change does not add or lose an hour", () => {
    const now = Date.parse("2026-03-29T01:10:00Z"); // 02:10 BST, 20 minutes after 00:50 GMT
    expect(relativeTime("2026-03-29T00:50:00Z", now, "en")).toBe("20 min. ago");
    expect(relativeTime("2026-03-29T01:09:40Z", now, "en")).toBe("now");
    expect(relativeTime("2026-03-29T01:09:40Z", now, "de")).toBe("jetzt");
    expect(relativeTime("2026-03-28T23:10:00Z", now, "en")).toBe("2 hr. ago");
    expect(relativeTime("2026-03-27T01:10:00Z", now, "en")).toBe("2 days ago");
  });

  it("shows the clock time of the day it is read, with the day in front for older entries", () => {
    const now = Date.parse("2026-03-29T13:00:00Z"); // 14:00 BST
    expect(clockTime("2026-03-29T12:32:00Z", now, "en-GB", "Europe/London")).toBe("13:32");
    expect(clockTime("2026-03-29T12:32:00Z", now, "en-US", "America/New_York")).toBe("8:32 AM");
    expect(clockTime("2026-03-28T22:05:00Z", now, "en-GB", "Europe/London")).toBe("28 Mar, 22:05");
    // The day is the reader's: 23:30 UTC on the 28th is already the 29th in Kyiv.
    expect(clockTime("2026-03-28T23:30:00Z", now, "uk", "Europe/Kyiv")).toBe("1:30");
  });
});
