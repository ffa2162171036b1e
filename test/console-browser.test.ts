import { mkdirSync } from "node:fs";
import { Redis } from "ioredis";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { Revision } from "@liveline/protocol";
import { AudienceStore } from "@liveline/server";
import { axeViolations } from "./helpers/axe.js";
import { useBrowser } from "./helpers/browser.js";
import {
  CONSOLE_DESKTOP as DESKTOP,
  CONSOLE_PHONE as PHONE,
  editor,
  openConsole as openPage,
  pasteHtml,
} from "./helpers/console-page.js";
import { TOKEN } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { JWT_SECRET, mint } from "./helpers/tokens.js";
import { waitFor } from "./helpers/wait.js";

// The editor console (docs/widget.md#the-editor-console) in headless Chromium against the real stack, driven as an
// editor on deadline would: compose with the toolbar and shortcuts, paste from Word, publish
// (once, however often the button is hit), correct, flag, retract, page back, see a colleague.
// What readers get is checked through the API and the feed page. LIVELINE_SCREENSHOTS=1 writes
// docs/console-desktop.png and docs/console-phone.png.

const COLLEAGUE = "colleague-token-0123456789abcdef";
const screenshots = process.env.LIVELINE_SCREENSHOTS === "1";

const { stack, redis } = useStack({
  EDITOR_TOKENS: `Night desk=${TOKEN},Ada=${COLLEAGUE}`,
  EDITOR_JWT_SECRET: JWT_SECRET,
});
const browser = useBrowser({ viewport: DESKTOP });

interface StoredEntry {
  id: string;
  headline?: string;
  body: string;
  revision: number;
  keyEvent: boolean;
  pinned: boolean;
  status?: string;
  publishedAt: string;
  media?: { id: string; alt: string; caption?: string; credit?: string; url: string }[];
  embeds?: { url: string; provider: string }[];
  corrections?: { at: string; text: string }[];
}

async function entries(feedId: string): Promise<StoredEntry[]> {
  return (await stack.api.request<{ entries: StoredEntry[] }>("GET", `/v1/feeds/${feedId}/entries?limit=100`)).body
    .entries;
}

async function drafts(feedId: string): Promise<StoredEntry[]> {
  return (await stack.api.request<{ entries: StoredEntry[] }>("GET", `/v1/feeds/${feedId}/drafts`)).body.entries;
}

function openConsole(feedId: string, viewport = DESKTOP, token: string | null = TOKEN): Promise<Page> {
  return openPage(browser, stack, feedId, viewport, token);
}

describe("composing and publishing", () => {
  it("formats with the toolbar and shortcuts, previews as readers see it, publishes once on a double click", async () => {
    await stack.api.createFeed("desk", "Election night, live");
    const page = await openConsole("desk");
    await page.locator("#headline").fill("Polls have closed");
    await editor(page).click();
    await page.keyboard.press("Control+Alt+2");
    await page.keyboard.type("First results");
    await page.keyboard.press("Enter");
    await page.keyboard.type("The count ");
    await page.keyboard.press("Control+b");
    await page.keyboard.type("has begun");
    await page.keyboard.press("Control+b");
    await page.keyboard.type(" in ");
    await page.keyboard.press("Control+i");
    await page.keyboard.type("every");
    await page.keyboard.press("Control+i");
    await page.keyboard.type(" ward.");
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Bulleted list" }).click();
    await page.keyboard.type("Harbour");
    await page.keyboard.press("Enter");
    await page.keyboard.type("Bay");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Quote" }).click();
    await page.keyboard.type("A close race.");
    await page.locator("#author").fill("Night desk");

    // The preview is the widget's own renderer, in its shadow root.
    // It redraws as the editor changes: wait for the last thing typed, then read the rest.
    await expect.poll(() => page.locator("#preview .body blockquote").textContent()).toBe("A close race.");
    expect(await page.locator("#preview article.entry h3.headline").textContent()).toBe("Polls have closed");
    expect(await page.locator("#preview .body h2").textContent()).toBe("First results");
    expect(await page.locator("#preview .body strong").textContent()).toBe("has begun");
    expect(await page.locator("#preview .body li").allTextContents()).toEqual(["Harbour", "Bay"]);

    const posts: string[] = [];
    page.on("request", (r) => {
      // The composer's server draft (autosave) is a POST of its own, with status "draft".
      const draft = (r.postData() ?? "").includes('"status":"draft"');
      if (r.method() === "POST" && r.url().endsWith("/v1/feeds/desk/entries") && !draft)
        posts.push(r.headers()["idempotency-key"] ?? "");
    });
    await page.locator("#submit").dblclick();
    await expect.poll(() => page.locator("#message").textContent()).toBe("Published.");
    await waitFor(async () => (await entries("desk")).length === 1, "the entry stored");
    await expect.poll(() => page.locator("#entries li").count()).toBe(1);
    const [stored] = await entries("desk");
    expect(stored?.body).toBe(
      "<h2>First results</h2><p>The count <strong>has begun</strong> in <em>every</em> ward.</p>" +
        "<ul><li><p>Harbour</p></li><li><p>Bay</p></li></ul><blockquote><p>A close race.</p></blockquote>",
    );
    expect(posts.length).toBeLessThanOrEqual(2);
    expect(new Set(posts).size).toBe(1); // a second request, if any got out, carried the same key
    expect(await editor(page).textContent()).toBe(""); // ready for the next entry

    // Readers get the same markup on the feed page (the widget's own filter keeps it).
    const reader = await browser.context.newPage();
    await reader.goto(`${stack.url}/feeds/desk`);
    await reader.locator("#live article.entry .body h2").waitFor();
    expect(await reader.locator("#live article.entry .body strong").textContent()).toBe("has begun");
    await reader.close();
    await page.close();
  });

  it("turns a Word and a Google Docs paste into clean allowlisted HTML", async () => {
    await stack.api.createFeed("paste", "Paste");
    const page = await openConsole("paste");
    const word = `<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta charset="utf-8"><style>p.MsoNormal{margin:0}</style></head><body lang=EN-GB>
<!--StartFragment--><h1 style="mso-margin-top-alt:auto"><span style="font-family:Calibri">Council vote</span></h1>
<p class=MsoNormal style="margin-bottom:0cm"><b><span style="font-size:12pt;color:#1F3864">Councillors</span></b><span style="font-size:12pt"> voted <i>late</i> on Tuesday.<o:p></o:p></span></p>
<p class=MsoListParagraphCxSpFirst style="text-indent:-18.0pt;mso-list:l0 level1 lfo1"><!--[if !supportLists]--><span style="font-family:Symbol">·<span style="font:7.0pt &quot;Times New Roman&quot;">&nbsp;&nbsp;&nbsp; </span></span><!--[endif]-->Housing plan approved<o:p></o:p></p>
<p class=MsoListParagraphCxSpLast style="text-indent:-18.0pt;mso-list:l0 level1 lfo1"><!--[if !supportLists]--><span style="font-family:Symbol">·<span>&nbsp;&nbsp; </span></span><!--[endif]-->Budget deferred<o:p></o:p></p>
<p class=MsoNormal><a href="https://example.com/minutes">Read the minutes</a> or <a href="javascript:alert(1)">this</a>.</p><!--EndFragment--></body></html>`;
    await pasteHtml(page, word, "Council vote");
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Enter");
    const gdocs =
      `<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1a2b3c4d-7fff-1234-abcd-0123456789ab">` +
      `<p dir="ltr" style="line-height:1.38;margin-top:0pt"><span style="font-size:11pt;font-family:Arial;font-weight:400">Turnout was </span>` +
      `<span style="font-size:11pt;font-family:Arial;font-weight:700">62%</span><span style="font-size:11pt;font-style:italic"> overall</span></p></b>` +
      `<br class="Apple-interchange-newline">`;
    await pasteHtml(page, gdocs, "Turnout was 62% overall");
    await page.locator("#submit").click();
    await expect.poll(() => page.locator("#message").textContent()).toBe("Published.");
    await waitFor(async () => (await entries("paste")).length === 1, "the pasted entry stored");
    const [stored] = await entries("paste");
    expect(stored?.body).toBe(
      "<h2>Council vote</h2><p><strong>Councillors</strong> voted <em>late</em> on Tuesday.</p>" +
        "<ul><li><p>Housing plan approved</p></li><li><p>Budget deferred</p></li></ul>" +
        '<p><a href="https://example.com/minutes" target="_blank" rel="noopener noreferrer">Read the minutes</a> or this.</p>' +
        "<p>Turnout was <strong>62%</strong><em> overall</em></p>",
    );
    await page.close();
  });

  it("keeps the text and says why when the server answers 503, then publishes with the same key", async () => {
    await stack.api.createFeed("outage", "Outage");
    const page = await openConsole("outage");
    const keys: string[] = [];
    await page.route("**/v1/feeds/outage/entries", async (route) => {
      keys.push(route.request().headers()["idempotency-key"] ?? "");
      if (keys.length === 1)
        await route.fulfill({
          status: 503,
          contentType: "application/json",
          body: JSON.stringify({ error: { code: "unavailable", message: "the service is briefly unavailable" } }),
        });
      else await route.continue();
    });
    await page.locator("#headline").fill("Bridge closed");
    await editor(page).click();
    await page.keyboard.type("Police have closed the bridge.");
    await page.keyboard.press("Control+Enter");
    await expect
      .poll(() => page.locator("#message").textContent())
      .toBe("Not sent: the service is briefly unavailable (unavailable). Your text is kept.");
    expect(await page.locator("#message").getAttribute("class")).toContain("error");
    expect(await editor(page).textContent()).toBe("Police have closed the bridge.");
    expect(await page.locator("#headline").inputValue()).toBe("Bridge closed");
    expect(await page.locator("#submit").isEnabled()).toBe(true);
    await page.locator("#submit").click();
    await expect.poll(() => page.locator("#message").textContent()).toBe("Published.");
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    await waitFor(async () => (await entries("outage")).length === 1, "published once");
    await page.close();
  });
});

describe("images, embeds, drafts and scheduling", () => {
  it("uploads an image with progress and required alt text, embeds a pasted video link, previews both", async () => {
    await stack.api.createFeed("photo", "Photo desk");
    const page = await openConsole("photo");
    await page.evaluate(() => {
      const w = window as unknown as { sawProgress: boolean };
      w.sawProgress = false;
      new MutationObserver(() => {
        if (document.querySelector("#media-list progress") !== null) w.sawProgress = true;
      }).observe(document.body, { subtree: true, childList: true });
    });
    const jpeg = await sharp({
      create: { width: 1600, height: 1000, channels: 3, background: { r: 30, g: 90, b: 160 } },
    })
      .jpeg()
      .toBuffer();
    await page.locator("#headline").fill("Flood barrier holds");
    await editor(page).click();
    await page.keyboard.type("The barrier held overnight.");
    await page.locator("#media-file").setInputFiles({ name: "barrier.jpg", mimeType: "image/jpeg", buffer: jpeg });
    await page.locator("#media-list li img").waitFor();
    expect(await page.evaluate(() => (window as unknown as { sawProgress: boolean }).sawProgress)).toBe(true);

    // No alt text: the entry does not go out, and the field to fill is focused.
    await page.locator("#submit").click();
    await expect
      .poll(() => page.locator("#message").textContent())
      .toBe("Every image needs alt text: describe what it shows.");
    expect(await page.evaluate(() => document.activeElement?.id.startsWith("alt-"))).toBe(true);
    await page.keyboard.type("The flood barrier with water up to its top");
    await page.getByLabel("Caption (optional)").fill("The Thames barrier at dawn.");
    await page.getByLabel("Credit (optional)").fill("Photo: J. Smith");

    // An image pasted into the text is uploaded too (here: a chart copied from elsewhere).
    const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 200, g: 200, b: 40 } } })
      .png()
      .toBuffer();
    await editor(page).evaluate((el, b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], "chart.png", { type: "image/png" }));
      el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
    }, png.toString("base64"));
    await expect.poll(() => page.locator("#media-list li img").count()).toBe(2);
    await page.getByRole("button", { name: "Remove chart.png" }).click();
    await expect.poll(() => page.locator("#media-list li").count()).toBe(1);
    // And one dragged from the desktop and dropped on the text.
    const drop = await page.evaluateHandle((b64) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], "map.png", { type: "image/png" }));
      return dt;
    }, png.toString("base64"));
    const box = await editor(page).boundingBox();
    const at = { clientX: (box?.x ?? 0) + 20, clientY: (box?.y ?? 0) + 20 }; // the editor finds the drop point
    await editor(page).dispatchEvent("drop", { dataTransfer: drop, ...at });
    await expect.poll(() => page.locator("#media-list li img").count()).toBe(2);
    await page.getByRole("button", { name: "Remove map.png" }).click();
    await expect.poll(() => page.locator("#media-list li").count()).toBe(1);

    // A video link pasted alone on an empty line becomes an embed.
    await editor(page).click();
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Enter");
    await pasteHtml(page, "", "https://www.youtube.com/watch?v=dQw4w9WgXcQ");
    await expect.poll(() => page.locator("#embed-list li").count()).toBe(1);
    expect(await editor(page).textContent()).toBe("The barrier held overnight.");

    await expect
      .poll(() => page.locator("#preview figure.media img").getAttribute("alt"))
      .toBe("The flood barrier with water up to its top");
    expect(await page.locator("#preview figure.media figcaption").textContent()).toBe(
      "The Thames barrier at dawn. Photo: J. Smith",
    );
    expect(await page.locator("#preview a.embed").getAttribute("href")).toBe(
      "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    );
    expect(await page.locator("#preview a.embed b").textContent()).toBe("youtube"); // as the server will name it

    await page.locator("#submit").click();
    await expect.poll(() => page.locator("#message").textContent()).toBe("Published.");
    await waitFor(async () => (await entries("photo")).length === 1, "the entry with media stored");
    const [stored] = await entries("photo");
    expect(stored?.media).toMatchObject([
      {
        alt: "The flood barrier with water up to its top",
        caption: "The Thames barrier at dawn.",
        credit: "Photo: J. Smith",
      },
    ]);
    expect(stored?.embeds).toMatchObject([{ provider: "youtube" }]);
    expect(stored?.body).toBe("<p>The barrier held overnight.</p>");

    // Readers get the image (its alt and caption) and the video card on the feed page.
    const reader = await browser.context.newPage();
    await reader.goto(`${stack.url}/feeds/photo`);
    await reader.locator("#live article.entry figure.media img").waitFor();
    expect(await reader.locator("#live article.entry figure.media img").getAttribute("alt")).toBe(
      "The flood barrier with water up to its top",
    );
    expect(await reader.locator("#live article.entry a.embed.youtube b").textContent()).toBe("youtube");
    expect(await axeViolations(reader)).toEqual([]); // the picture, its caption and the card included
    await reader.close();
    await page.close();
  });

  it("saves a draft readers cannot see, schedules it, and it goes out on time; publishes another now", async () => {
    await stack.api.createFeed("later", "Later");
    const page = await openConsole("later");
    await page.locator("#headline").fill("Count resumes");
    await editor(page).click();
    await page.keyboard.type("Counting resumes at nine.");
    await page.keyboard.press("Control+s");
    await expect.poll(() => page.locator("#message").textContent()).toBe("Draft saved.");
    await expect.poll(() => page.locator("#entries li .status").allTextContents()).toEqual(["draft"]);
    expect(await entries("later")).toEqual([]);

    await page.getByRole("button", { name: "Edit “Count resumes”" }).click();
    await expect.poll(() => page.locator("#compose-title").textContent()).toBe("Edit “Count resumes”");
    // Far enough ahead that the timeline shows it scheduled before it goes out, under load too.
    const at = new Date(Date.now() + 8_000);
    const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19); // datetime-local value
    await page.locator("#publish-at").fill(local(at));
    await page.locator("#schedule").click();
    await expect.poll(() => page.locator("#message").textContent()).toMatch(/^Scheduled for /);
    await expect
      .poll(() => page.locator("#entries li .status").allTextContents())
      .toEqual([expect.stringMatching(/^scheduled for /)]);
    expect(await entries("later")).toEqual([]);
    await waitFor(async () => (await entries("later")).length === 1, "the scheduled entry published", 15_000);
    // Not before its time: the field names whole seconds, so that second is the earliest.
    const published = Date.parse((await entries("later"))[0]?.publishedAt ?? "");
    expect(published).toBeGreaterThanOrEqual(Math.floor(at.getTime() / 1000) * 1000);
    await expect.poll(() => page.locator("#entries li .status").allTextContents()).toEqual(["published"]);

    await page.locator("#headline").fill("Recount ordered");
    await editor(page).click();
    await page.keyboard.type("A recount has been ordered.");
    await page.locator("#save-draft").click();
    await expect.poll(() => page.locator("#message").textContent()).toBe("Draft saved.");
    await page.getByRole("button", { name: "Publish now “Recount ordered”" }).click();
    await waitFor(async () => (await entries("later")).length === 2, "the draft published");
    await expect.poll(() => page.locator("#entries li .status").allTextContents()).toEqual(["published", "published"]);
    await page.close();
  });
  it("lets a contributor save a draft but not publish it; an editor publishes the contribution", async () => {
    await stack.api.createFeed("stringer", "Stringer");
    const cora = await mint({ sub: "cora@desk", name: "Cora", role: "contributor", feeds: ["stringer"] });
    const page = await openConsole("stringer", PHONE, cora);
    await page.locator("#headline").fill("Crowds at the harbour");
    await editor(page).click();
    await page.keyboard.type("Hundreds have gathered.");
    await page.locator("#submit").click();
    await expect
      .poll(() => page.locator("#message").textContent())
      .toMatch(/^Not sent: .*\(forbidden\)\. Your text is kept\.$/);
    expect(await editor(page).textContent()).toBe("Hundreds have gathered.");
    await page.locator("#save-draft").click();
    await expect.poll(() => page.locator("#message").textContent()).toBe("Draft saved.");
    expect(await entries("stringer")).toEqual([]);
    await page.close();

    const desk = await openConsole("stringer");
    await desk.getByRole("button", { name: "Publish now “Crowds at the harbour”" }).click();
    await waitFor(async () => (await entries("stringer")).length === 1, "the contribution published");
    await desk.close();
  });
});

describe("the timeline", () => {
  it("pages back to the first entry, filters key events, toggles flags, corrects and retracts", async () => {
    await stack.api.createFeed("long", "A long night");
    for (let i = 1; i <= 60; i++)
      await stack.api.publish("long", {
        id: `e${i}`,
        headline: `Update ${i}`,
        body: `<p>Text ${i}</p>`,
        keyEvent: i % 20 === 0,
      });
    await waitFor(async () => (await stack.store.currentSeq("long")) >= 60, "60 entries applied");
    const page = await openConsole("long");
    await expect.poll(() => page.locator("#entries li").count()).toBeGreaterThanOrEqual(50);
    await page.locator("#older").click();
    await expect.poll(() => page.locator("#entries li").count()).toBe(60);
    expect(await page.locator("#older").isHidden()).toBe(true);
    expect(await page.locator("#entries li").last().getAttribute("data-entry-id")).toBe("e1");

    await page.locator("#key-only").check();
    await expect.poll(() => page.locator("#entries li").count()).toBe(3);
    await page.locator("#key-only").uncheck();

    const flag = page.getByRole("button", { name: "Key event “Update 7”" });
    expect(await flag.getAttribute("aria-pressed")).toBe("false");
    await flag.click();
    await expect.poll(() => flag.getAttribute("aria-pressed")).toBe("true");

    await page.getByRole("button", { name: "Correct “Update 7”" }).click();
    await expect.poll(() => page.locator("#compose-title").textContent()).toBe("Correct “Update 7”");
    expect(await editor(page).textContent()).toBe("Text 7");
    await editor(page).click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type(", corrected");
    await page.locator("#correction").fill("An earlier version gave the wrong ward.");
    await page.locator("#submit").click();
    await expect.poll(() => page.locator("#message").textContent()).toBe("Correction saved.");
    await waitFor(async () => (await entries("long")).find((e) => e.id === "e7")?.revision === 3, "correction applied");
    expect((await entries("long")).find((e) => e.id === "e7")?.corrections?.map((c) => c.text)).toEqual([
      "An earlier version gave the wrong ward.",
    ]);

    // A colleague changes the entry while it is open here: both versions side by side; keep mine.
    await page.getByRole("button", { name: "Correct “Update 9”" }).click();
    await expect.poll(() => page.locator("#compose-title").textContent()).toBe("Correct “Update 9”");
    expect((await stack.api.request("PATCH", "/v1/feeds/long/entries/e9", { body: "<p>Theirs</p>" })).status).toBe(202);
    await waitFor(async () => (await entries("long")).find((e) => e.id === "e9")?.revision === 2, "their edit applied");
    await editor(page).click();
    await page.keyboard.type(" (mine)");
    await page.locator("#submit").click();
    await page.locator("dialog#conflict").waitFor();
    expect(await page.locator("#conflict-theirs").textContent()).toContain("Theirs");
    expect(await page.locator("#conflict-mine").textContent()).toContain("Text 9 (mine)");
    await page.getByRole("button", { name: "Keep mine" }).click();
    await expect.poll(() => page.locator("#message").textContent()).toBe("Correction saved.");
    await waitFor(
      async () => (await entries("long")).find((e) => e.id === "e9")?.body === "<p>Text 9 (mine)</p>",
      "mine saved over theirs",
    );
    expect((await entries("long")).find((e) => e.id === "e7")).toMatchObject({
      body: "<p>Text 7, corrected</p>",
      keyEvent: true,
    });

    // The retraction asks why, in the page's own dialog; the reason is kept on the entry's revision.
    await page.getByRole("button", { name: "Retract “Update 8”" }).click();
    const dialog = page.locator("dialog#retract");
    await dialog.waitFor();
    expect(await page.locator("#retract-what").textContent()).toContain("“Update 8”");
    await page.locator("#retract-reason").fill("Posted twice");
    await dialog.getByRole("button", { name: "Retract" }).click();
    await expect.poll(() => page.locator('#entries li[data-entry-id="e8"]').count()).toBe(0);
    expect((await entries("long")).some((e) => e.id === "e8")).toBe(false);
    const history = await stack.api.request<{ revisions: Revision[] }>("GET", "/v1/feeds/long/entries/e8/revisions");
    expect(history.body.revisions.at(-1)).toMatchObject({ type: "entry.deleted", reason: "Posted twice" });
    await page.close();
  });

  it("edits the feed's title and description and ends coverage", async () => {
    await stack.api.createFeed("cover", "Storm watch");
    const page = await openConsole("cover");
    await page.locator("summary", { hasText: "Title, description" }).click();
    await page.locator("#feed-title-input").fill("Storm Eunice: live");
    await page.locator("#feed-description-input").fill("Updates through the night.");
    await page.getByRole("button", { name: "Save title and description" }).click();
    await expect.poll(() => page.locator("#message").textContent()).toBe("Title and description saved.");
    page.once("dialog", (d) => void d.accept());
    await page.locator("#end-coverage").click();
    await expect.poll(() => page.locator("#message").textContent()).toBe("Coverage ended.");
    const feed = await stack.api.request<{ title: string; description?: string; status: string }>(
      "GET",
      "/v1/feeds/cover",
    );
    expect(feed.body).toMatchObject({
      title: "Storm Eunice: live",
      description: "Updates through the night.",
      status: "ended",
    });
    await page.close();
  });
});

describe("live at the top", () => {
  it("shows readers now and a colleague with the entry they are editing", async () => {
    await stack.api.createFeed("newsroom", "Newsroom");
    await stack.api.publish("newsroom", { id: "dam", headline: "Dam breached", body: "<p>x</p>" });
    await waitFor(async () => (await stack.store.currentSeq("newsroom")) >= 1, "applied");
    const reader = await browser.context.newPage();
    await reader.goto(`${stack.url}/feeds/newsroom`);
    await reader.locator("#live .status[data-state=live]").waitFor();
    const beat = await stack.api.as(COLLEAGUE).request("POST", "/v1/feeds/newsroom/presence", { editing: "dam" });
    expect(beat.status).toBe(204);
    const page = await openConsole("newsroom");
    await expect
      .poll(() => page.locator("#colleagues li").allTextContents(), { timeout: 10_000 })
      .toContain("Ada — editing “Dam breached”");
    expect(await page.locator("#colleagues li").allTextContents()).toContain("Night desk");
    // The feed page and the console itself: the console follows the feed over a socket too.
    await expect.poll(() => page.locator("#readers").textContent(), { timeout: 12_000 }).toBe("Readers now: 2");
    await reader.close();
    await page.close();
  });
});

describe("for everyone, on every screen", () => {
  it("is usable by keyboard alone, has no axe violations on desktop and phone, light and dark", async () => {
    await stack.api.createFeed("keys", "Keyboard");
    await stack.api.publish("keys", {
      id: "k1",
      headline: "Polls open",
      body: "<p>Queues outside.</p>",
      keyEvent: true,
    });
    const page = await openConsole("keys", DESKTOP, null);
    const tabTo = async (selector: string) => {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press("Tab");
        if (
          await page
            .locator(selector)
            .evaluate((e) => e === document.activeElement || e.contains(document.activeElement))
        )
          return;
      }
      throw new Error(`could not reach ${selector} with Tab`);
    };
    // Signed out, the console asks who is there first; a service account's token is one way in.
    await tabTo("#token-box summary");
    await page.keyboard.press("Enter");
    await tabTo("#token");
    await page.keyboard.type(TOKEN);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#who").textContent()).toBe("Night desk (API token)");
    await tabTo("#headline");
    await page.keyboard.type("Turnout high");
    await tabTo("#body");
    await page.keyboard.type("Officials report ");
    await page.keyboard.press("Control+b");
    await page.keyboard.type("record");
    await page.keyboard.press("Control+b");
    await page.keyboard.type(" turnout.");
    // Ctrl+K links the selected word (the address asked in the browser's own dialog).
    for (let i = 0; i < " turnout.".length; i++) await page.keyboard.press("ArrowLeft");
    for (let i = 0; i < "record".length; i++) await page.keyboard.press("Shift+ArrowLeft");
    page.once("dialog", (d) => void d.accept("https://example.org/turnout"));
    await page.keyboard.press("Control+k");
    await expect.poll(() => page.locator("#toolbar button[aria-label=Link]").getAttribute("aria-pressed")).toBe("true");
    await page.keyboard.press("Control+Enter");
    await expect.poll(() => page.locator("#message").textContent()).toBe("Published.");
    await waitFor(async () => (await entries("keys")).length === 2, "keyboard entry stored");
    expect((await entries("keys"))[0]?.body).toBe(
      '<p>Officials report <a href="https://example.org/turnout" target="_blank" rel="noopener noreferrer"><strong>record</strong></a> turnout.</p>',
    );
    // The token stays in this tab's session only.
    expect(
      await page.evaluate(() => ({
        session: sessionStorage.getItem("liveline-editor-token"),
        local: localStorage.length,
      })),
    ).toEqual({ session: TOKEN, local: 0 });
    await page.close();

    const counts: string[] = [];
    for (const [name, viewport] of [
      ["desktop", DESKTOP],
      ["phone", PHONE],
    ] as const)
      for (const scheme of ["light", "dark"] as const) {
        const p = await openConsole("keys", viewport);
        await p.emulateMedia({ colorScheme: scheme });
        await expect.poll(() => p.locator("#entries li").count()).toBe(2);
        // Nothing wider than the screen: a phone never scrolls sideways.
        expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
        const violations = await axeViolations(p);
        counts.push(`${name} ${scheme}: ${violations.length}`);
        expect(violations, `${name} (${scheme})`).toEqual([]);
        await p.close();
      }
    console.log(`console axe-core violations: ${counts.join("; ")}`);
  });
});

describe("screenshots", () => {
  // Runs every time (what it waits for is checked); with LIVELINE_SCREENSHOTS=1 it also writes the docs' pictures.
  it("composes with an image beside a colleague on desktop and phone: docs/console-desktop.png, docs/console-phone.png", async () => {
    if (screenshots) mkdirSync("docs", { recursive: true });
    await stack.api.createFeed("budget", "Budget day: the latest");
    const seed = [
      {
        id: "s1",
        headline: "Chancellor rises",
        body: "<p>The statement has begun in the Commons.</p>",
        author: { name: "Westminster desk" },
        keyEvent: true,
      },
      {
        id: "s2",
        headline: "Fuel duty frozen",
        body: "<p>Duty stays at <strong>52.95p</strong> a litre for another year.</p>",
        author: { name: "Economics" },
        breaking: true,
      },
      {
        id: "s3",
        headline: "Reaction from business",
        body: "<blockquote><p>A budget for growth.</p></blockquote>",
        author: { name: "Business desk" },
        pinned: true,
      },
    ];
    for (const e of seed) await stack.api.publish("budget", e);
    // The morning's readers as the sampler writes them (every 20 minutes), so the chart beside
    // "Readers now" shows what an editor sees on a story that has been running for hours.
    const client = new Redis(redis.url);
    try {
      const audience = new AudienceStore(client, stack.store.keys);
      const step = 20 * 60_000;
      const counts = [40, 95, 310, 880, 1450, 2100, 2650, 2480, 2300, 2900, 3400, 3150];
      const first = Date.now() - (Date.now() % step) - counts.length * step;
      for (const [i, n] of counts.entries())
        await audience.record(first + i * step, "seed", new Map([["budget", n]]), 24 * 3_600_000);
    } finally {
      client.disconnect();
    }
    await stack.api.publish("budget", {
      id: "s4",
      headline: "Pensions: what changes",
      body: "<p>Draft explainer.</p>",
      status: "draft",
    });
    const photo = await sharp({
      create: { width: 1200, height: 800, channels: 3, background: { r: 40, g: 96, b: 150 } },
    })
      .jpeg()
      .toBuffer();
    for (const [name, viewport] of [
      ["desktop", DESKTOP],
      ["phone", PHONE],
    ] as const) {
      // A colleague's presence lasts PRESENCE_EDITOR_TTL_MS unless renewed, as their console does.
      await stack.api.as(COLLEAGUE).request("POST", "/v1/feeds/budget/presence", { editing: "s2" });
      const page = await openConsole("budget", viewport);
      await page.locator("#headline").fill("Income tax thresholds");
      await editor(page).click();
      await page.keyboard.type("Thresholds stay frozen until ");
      await page.keyboard.press("Control+b");
      await page.keyboard.type("2030");
      await page.keyboard.press("Control+b");
      await page.keyboard.type(".");
      await page.locator("#media-file").setInputFiles({ name: "treasury.jpg", mimeType: "image/jpeg", buffer: photo });
      await page.locator("#media-list li img").waitFor();
      await page.getByLabel("Alt text (required: what the image shows)").fill("The Treasury building in Whitehall");
      await page.getByLabel("Credit (optional)").fill("Photo: Liveline");
      await page.locator("#author").fill("Economics");
      // The desktop tab closed with its entry unsent: the server kept it as a draft, which the phone lists.
      await expect.poll(() => page.locator("#entries li").count()).toBe(name === "desktop" ? 4 : 5);
      await expect.poll(() => page.locator("#colleagues li").count(), { timeout: 10_000 }).toBe(2);
      // The console's own live connection is a reader: wait until /stats has counted it.
      await expect.poll(() => page.locator("#readers").textContent(), { timeout: 12_000 }).not.toBe("Readers now: 0");
      await expect.poll(() => page.locator("#audience-peak").textContent()).toMatch(/^Peak 3,400 at /);
      expect(await page.locator("#colleagues li").count()).toBe(2);
      await page.evaluate(() => window.scrollTo(0, 0));
      if (screenshots) await page.screenshot({ path: `docs/console-${name}.png` });
      // The phone lists the desktop's unsent entry: it must be on the server before the tab closes.
      if (name === "desktop")
        await waitFor(
          async () => (await drafts("budget")).some((e) => e.headline === "Income tax thresholds"),
          "draft",
        );
      await page.close();
    }
  });
});
