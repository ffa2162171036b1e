import { describe, expect, it } from "vitest";
import { playerUrl } from "../src/widget/embed-player.js";

describe("playerUrl", () => {
  it("finds the video in every usual YouTube and Vimeo address", () => {
    const yt = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1";
    for (const url of [
      "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42",
      "https://m.youtube.com/watch?v=dQw4w9WgXcQ",
      "https://youtu.be/dQw4w9WgXcQ?si=abc",
      "https://www.youtube.com/shorts/dQw4w9WgXcQ",
      "https://www.youtube.com/live/dQw4w9WgXcQ",
      "https://www.youtube.com/embed/dQw4w9WgXcQ",
    ])
      expect(playerUrl(url), url).toBe(yt);
    const vimeo = "https://player.vimeo.com/video/76979871?autoplay=1&dnt=1";
    expect(playerUrl("https://vimeo.com/76979871")).toBe(vimeo);
    expect(playerUrl("https://vimeo.com/channels/staffpicks/76979871")).toBe(vimeo);
    expect(playerUrl("https://player.vimeo.com/video/76979871")).toBe(vimeo);
  });

  it("names no player for anything else, so the card opens as a link", () => {
    for (const url of [
      "https://www.youtube.com/channel/UC123",
      "https://www.youtube.com/watch?v=short",
      "https://www.youtube.com/watch?v=dQw4w9WgXcQ%22onload",
      "http://youtu.be/dQw4w9WgXcQ",
      "https://evil.example/youtube.com/watch?v=dQw4w9WgXcQ",
      "https://vimeo.com/staffpicks",
      "https://x.com/a/status/1",
      "not a url",
    ])
      expect(playerUrl(url), url).toBeUndefined();
  });
});
