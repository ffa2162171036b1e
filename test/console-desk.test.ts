import type { Server as HttpServer } from "node:http";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { axeViolations } from "./helpers/axe.js";
import { useBrowser } from "./helpers/browser.js";
import { CONSOLE_DESKTOP, CONSOLE_PHONE, editor, openConsole, pasteHtml } from "./helpers/console-page.js";
import { lookAt } from "./helpers/console-look.js";
import { uploadPhoto } from "./helpers/photo.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

// The desk on deadline: nothing a reporter does is silently dropped. Publish pressed
// while a photo uploads waits for it, upload errors are in words, a paste keeps table cells apart
// and says what it could not take. Chromium against the real stack, at phone and laptop size.

const MAX_BYTES = 1024 * 1024;
const { stack, restartStack } = useStack({ MEDIA_MAX_BYTES: String(MAX_BYTES) });
const browser = useBrowser({ viewport: CONSOLE_DESKTOP });

interface StoredEntry {
  id: string;
  keyEvent?: boolean;
  author?: { name: string };
  headline?: string;
  body: string;
  media?: { alt: string }[];
}

async function entries(feedId: string): Promise<StoredEntry[]> {
  return (await stack.api.request<{ entries: StoredEntry[] }>("GET", `/v1/feeds/${feedId}/entries?limit=100`)).body
    .entries;
}

const photo = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 30, g: 90, b: 160 } } })
    .jpeg()
    .toBuffer();

/** A JPEG past the test's 1 MB limit: random pixels do not compress. */
const tooLarge = () =>
  sharp({
    create: {
      width: 1400,
      height: 1400,
      channels: 3,
      background: "#808080",
      noise: { type: "gaussian", mean: 128, sigma: 60 },
    },
  })
    .jpeg({ quality: 100 })
    .toBuffer();

/** Hold every upload at the network until `release` is called: a slow phone connection. */
async function holdUploads(page: Page): Promise<() => void> {
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/v1/media", async (route) => {
    await gate;
    await route.continue();
  });
  return release;
}

describe("publishing while a photo uploads", () => {
  for (const [name, viewport] of [
    ["phone", CONSOLE_PHONE],
    ["desktop", CONSOLE_DESKTOP],
  ] as const)
    it(`waits for the upload, then publishes, with the button saying so (${name})`, async () => {
      const feedId = `wait-${name}`;
      await stack.api.createFeed(feedId, "Border crossing");
      const page = await openConsole(browser, stack, feedId, viewport);
      const release = await holdUploads(page);
      await page.locator("#headline").fill("Convoy reaches the border");
      await editor(page).click();
      await page.keyboard.type("Trucks are queueing at the crossing.");
      await page
        .locator("#media-file")
        .setInputFiles({ name: "convoy.jpg", mimeType: "image/jpeg", buffer: await photo(1200, 800) });
      // The fields show while the upload runs; the reporter fills them and presses Publish.
      await page.getByLabel("Alt text (required: what the image shows)").fill("Lorries queueing at a border post");
      await page.getByLabel("Credit (optional)").fill("Photo: Liveline");
      await page.locator("#submit").click();
      await expect.poll(() => page.locator("#submit").textContent()).toBe("Waiting for the upload…");
      expect(await page.locator("#submit").isDisabled()).toBe(true);
      expect(await page.locator("#message").textContent()).toBe(
        "Waiting for the photo to finish uploading; then it goes out.",
      );
      await lookAt(page, `wait-upload-${name}`);
      expect(await entries(feedId)).toEqual([]);
      release();
      await expect.poll(() => page.locator("#message").textContent()).toBe("Published.");
      await waitFor(async () => (await entries(feedId)).length === 1, "the entry with its photo stored");
      const [stored] = await entries(feedId);
      expect(stored?.media).toMatchObject([{ alt: "Lorries queueing at a border post" }]);
      expect(await page.locator("#submit").textContent()).toBe("Publish");
      expect(await page.locator("#submit").isEnabled()).toBe(true);
      await page.close();
    });

  it("says what is missing when the photo arrives without alt text, and sends nothing", async () => {
    await stack.api.createFeed("wait-alt", "Alt");
    const page = await openConsole(browser, stack, "wait-alt", CONSOLE_PHONE);
    const release = await holdUploads(page);
    await editor(page).click();
    await page.keyboard.type("A photo without words.");
    await page
      .locator("#media-file")
      .setInputFiles({ name: "crowd.jpg", mimeType: "image/jpeg", buffer: await photo(800, 600) });
    await page.locator("#submit").click();
    await expect.poll(() => page.locator("#submit").textContent()).toBe("Waiting for the upload…");
    release();
    await expect
      .poll(() => page.locator("#message").textContent())
      .toBe("Every image needs alt text: describe what it shows.");
    expect(await page.evaluate(() => document.activeElement?.id.startsWith("alt-"))).toBe(true);
    expect(await page.locator("#submit").isEnabled()).toBe(true);
    expect(await entries("wait-alt")).toEqual([]);
    await page.close();
  });

  it("does not publish when the awaited upload fails, and says why in words", async () => {
    await stack.api.createFeed("wait-fail", "Fail");
    const page = await openConsole(browser, stack, "wait-fail", CONSOLE_PHONE);
    const release = await holdUploads(page);
    await editor(page).click();
    await page.keyboard.type("With a photo too large.");
    const big = await tooLarge();
    expect(big.length).toBeGreaterThan(MAX_BYTES);
    await page.locator("#media-file").setInputFiles({ name: "huge.jpg", mimeType: "image/jpeg", buffer: big });
    await page.getByLabel("Alt text (required: what the image shows)").fill("Static");
    await page.locator("#submit").click();
    await expect.poll(() => page.locator("#submit").textContent()).toBe("Waiting for the upload…");
    release();
    await expect
      .poll(() => page.locator("#message").textContent())
      .toBe(
        "Not sent: huge.jpg was not uploaded. This photo is larger than 1 MB. Export a smaller copy and try again. Remove it or pick another photo.",
      );
    expect(await page.locator("#media-list .error").textContent()).toBe(
      "Not uploaded: This photo is larger than 1 MB. Export a smaller copy and try again.",
    );
    expect(await editor(page).textContent()).toBe("With a photo too large.");
    await lookAt(page, "upload-too-large-phone");
    expect(await entries("wait-fail")).toEqual([]);
    await page.close();
  });
});

describe("upload errors in words", () => {
  it("names the size limit and a file that is no photo, without codes or variable names", async () => {
    await stack.api.createFeed("words", "Words");
    const page = await openConsole(browser, stack, "words");
    const big = await tooLarge();
    await page.locator("#media-file").setInputFiles({ name: "huge.jpg", mimeType: "image/jpeg", buffer: big });
    await expect
      .poll(() => page.locator("#message").textContent())
      .toBe("huge.jpg was not uploaded. This photo is larger than 1 MB. Export a smaller copy and try again.");
    await page
      .locator("#media-file")
      .setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("not an image at all") });
    await expect
      .poll(() => page.locator("#message").textContent())
      .toMatch(/^notes\.png was not uploaded\. This (file is not a photo the desk can take|photo could not be read)/);
    for (const text of await page.locator("#media-list .error").allTextContents())
      expect(text).not.toMatch(/MEDIA_MAX_BYTES|payload_too_large|unsupported_media_type|image_unreadable|\d{6,}/);
    await page.close();
  });
});

describe("pasting from Word", () => {
  it("keeps table cells apart and says what the paste could not take (a local image)", async () => {
    await stack.api.createFeed("table", "Table");
    const page = await openConsole(browser, stack, "table", CONSOLE_PHONE);
    const word = `<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"><body>
<!--StartFragment--><p class=MsoNormal>Results so far:<o:p></o:p></p>
<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0 style="border-collapse:collapse">
<tr><td width=200 valign=top style="padding:0cm"><p class=MsoNormal><b>Ward</b><o:p></o:p></p></td><td><p class=MsoNormal><b>Turnout</b></p></td></tr>
<tr><td><p class=MsoNormal>Table cell A<o:p></o:p></p></td><td><p class=MsoNormal>Table cell B<o:p></o:p></p></td></tr>
</table>
<p class=MsoNormal><!--[if gte vml 1]><v:shape id="Picture_1" type="#_x0000_t75"><v:imagedata src="file:///C:/Users/desk/AppData/Local/Temp/msohtmlclip1/01/clip_image001.jpg" o:title=""/></v:shape><![endif]--><![if !vml]><img width=320 height=200 src="file:///C:/Users/desk/AppData/Local/Temp/msohtmlclip1/01/clip_image002.jpg" v:shapes="Picture_1"><![endif]>Counting continues.<o:p></o:p></p><!--EndFragment--></body></html>`;
    await pasteHtml(page, word, "Results so far:");
    await expect
      .poll(() => page.locator("#message").textContent())
      .toBe(
        "Pasted. 1 image in the pasted text could not be taken: add it with “Images” (pick the file); a table was pasted as one line per row.",
      );
    expect(await page.locator("#message.error").count()).toBe(0);
    expect(await editor(page).locator("p").allTextContents()).toEqual([
      "Results so far:",
      "Ward | Turnout",
      "Table cell A | Table cell B",
      "Counting continues.",
    ]);
    await lookAt(page, "paste-notice-phone");
    await page.locator("#submit").click();
    await expect.poll(() => page.locator("#message").textContent()).toBe("Published.");
    await waitFor(async () => (await entries("table")).length === 1, "the pasted entry stored");
    expect((await entries("table"))[0]?.body).toBe(
      "<p>Results so far:</p><p><strong>Ward</strong> | <strong>Turnout</strong></p>" +
        "<p>Table cell A | Table cell B</p><p>Counting continues.</p>",
    );
    await page.close();
  });
});

describe("nothing lost while typing", () => {
  it("brings back text, images and settings after a reload, keeps a server draft, and discards it once published", async () => {
    await stack.api.createFeed("keep", "Keep");
    const page = await openConsole(browser, stack, "keep", CONSOLE_PHONE);
    await page.locator("#headline").fill("Talks in Geneva");
    await editor(page).click();
    await page.keyboard.type("Blinken and Lavrov met for ninety minutes.");
    await page.locator("#author").fill("Diplomatic desk");
    await page.locator("#key-event").check();
    await page
      .locator("#media-file")
      .setInputFiles({ name: "geneva.jpg", mimeType: "image/jpeg", buffer: await photo(1200, 800) });
    await page.locator("#media-list li img").waitFor();
    await page.getByLabel("Alt text (required: what the image shows)").fill("Two ministers shaking hands");
    // The server keeps a draft of it (not shown twice in this console's timeline).
    const drafts = async () =>
      (await stack.api.request<{ entries: StoredEntry[] }>("GET", "/v1/feeds/keep/drafts")).body.entries;
    await waitFor(
      async () => (await drafts()).some((d) => d.headline === "Talks in Geneva" && d.media?.length === 1),
      "the server draft with its photo",
    );
    expect(await page.locator("#entries li").count()).toBe(0);

    await page.reload();
    await page.locator("#body .ProseMirror").waitFor();
    await expect.poll(() => page.locator("#headline").inputValue()).toBe("Talks in Geneva");
    expect(await editor(page).textContent()).toBe("Blinken and Lavrov met for ninety minutes.");
    expect(await page.locator("#author").inputValue()).toBe("Diplomatic desk");
    expect(await page.locator("#key-event").isChecked()).toBe(true);
    expect(await page.getByLabel("Alt text (required: what the image shows)").inputValue()).toBe(
      "Two ministers shaking hands",
    );
    expect(await page.locator("#media-list li img").count()).toBe(1);
    expect(await page.locator("#message").textContent()).toMatch(/^Brought back the entry you were writing/);
    await lookAt(page, "restored-phone");

    await page.locator("#submit").click();
    await expect.poll(() => page.locator("#message").textContent()).toBe("Published.");
    await waitFor(async () => (await entries("keep")).length === 1, "published");
    expect((await entries("keep"))[0]).toMatchObject({ keyEvent: true, author: { name: "Diplomatic desk" } });
    await waitFor(async () => (await drafts()).length === 0, "the server draft discarded");
    expect(await page.evaluate(() => localStorage.getItem("liveline-console-compose"))).toBeNull();
    await page.close();
  });

  for (const [name, viewport] of [
    ["desktop", CONSOLE_DESKTOP],
    ["phone", CONSOLE_PHONE],
  ] as const)
    it(`shows their version and mine side by side on a conflict, in view, and merges them (${name})`, async () => {
      const feedId = `merge-${name}`;
      await stack.api.createFeed(feedId, "Merge");
      await stack.api.publish(feedId, {
        id: "m1",
        headline: "Troops at the border",
        body: "<p>Satellite images show troops.</p><p>NATO is watching.</p>",
      });
      await waitFor(async () => (await entries(feedId)).length === 1, "published");
      const page = await openConsole(browser, stack, feedId, viewport);
      await page.getByRole("button", { name: "Correct “Troops at the border”" }).click();
      await expect.poll(() => page.locator("#compose-title").textContent()).toBe("Correct “Troops at the border”");
      // A colleague changes the second paragraph meanwhile; I change the first.
      expect(
        (
          await stack.api.request("PATCH", `/v1/feeds/${feedId}/entries/m1`, {
            body: "<p>Satellite images show troops.</p><p>NATO is watching closely.</p>",
          })
        ).status,
      ).toBe(202);
      await waitFor(async () => (await entries(feedId))[0]?.body.includes("closely") === true, "their edit applied");
      await editor(page).locator("p").first().click();
      await page.keyboard.press("End");
      await page.keyboard.press("Backspace");
      await page.keyboard.type(", about 100,000.");
      await page.locator("#submit").click();
      const dialog = page.locator("dialog#conflict");
      await dialog.waitFor();
      expect(await dialog.evaluate((d) => (d as HTMLDialogElement).open)).toBe(true);
      expect(await page.locator("#conflict-theirs").textContent()).toContain("NATO is watching closely.");
      expect(await page.locator("#conflict-mine").textContent()).toContain("about 100,000.");
      expect(await page.locator("#conflict-merged p:not(.version-headline)").allTextContents()).toEqual([
        "Satellite images show troops, about 100,000.",
        "NATO is watching closely.",
      ]);
      // Visible without scrolling: the choices are inside the screen.
      for (const label of ["Use the merge", "Keep mine", "Take theirs"]) {
        const box = await page.getByRole("button", { name: label }).boundingBox();
        expect(box, label).not.toBeNull();
        expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(viewport.height);
        expect(box?.y ?? -1).toBeGreaterThanOrEqual(0);
      }
      await lookAt(page, `conflict-${name}`);
      for (const scheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        expect(await axeViolations(page), `conflict dialog, ${name} ${scheme}`).toEqual([]);
      }
      await page.getByRole("button", { name: "Use the merge" }).click();
      await expect
        .poll(() => editor(page).locator("p").allTextContents())
        .toEqual(["Satellite images show troops, about 100,000.", "NATO is watching closely."]);
      await page.locator("#submit").click();
      await expect.poll(() => page.locator("#message").textContent()).toBe("Correction saved.");
      await waitFor(
        async () =>
          (await entries(feedId))[0]?.body ===
          "<p>Satellite images show troops, about 100,000.</p><p>NATO is watching closely.</p>",
        "the merge saved",
      );
      await page.close();
    });
});

describe("online and offline", () => {
  it("says the server cannot be reached (not a missing token) while it is down, and when it is back", async () => {
    await stack.api.createFeed("outage-banner", "Outage");
    const page = await openConsole(browser, stack, "outage-banner");
    await expect.poll(() => page.locator("#readers").textContent(), { timeout: 12_000 }).toMatch(/^Readers now: \d/);
    expect(await page.locator("#connection").isHidden()).toBe(true);
    await editor(page).click();
    await page.keyboard.type("Written during the outage.");
    const port = String(stack.port);
    const keyPrefix = stack.keyPrefix;
    const closing = stack.close();
    (stack.io?.httpServer as HttpServer | undefined)?.closeAllConnections();
    await closing;
    await expect
      .poll(() => page.locator("#connection").textContent(), { timeout: 15_000 })
      .toBe(
        "Offline: the Liveline server cannot be reached (trying again). What you write is kept here; send it when it is back.",
      );
    await expect
      .poll(() => page.locator("#readers").textContent(), { timeout: 12_000 })
      .toBe("Readers now: unknown (the server cannot be reached)");
    await lookAt(page, "offline-desktop");
    expect(await axeViolations(page), "offline banner").toEqual([]);
    await restartStack({ PORT: port, KEY_PREFIX: keyPrefix });
    await expect.poll(() => page.locator("#connection").isHidden(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => page.locator("#readers").textContent(), { timeout: 12_000 }).toMatch(/^Readers now: \d/);
    await page.locator("#submit").click();
    await expect.poll(() => page.locator("#message").textContent()).toBe("Published.");
    await waitFor(async () => (await entries("outage-banner")).length === 1, "published after the outage");
    await page.close();
  });
});

describe("a desk tool on a laptop and a phone", () => {
  it("makes the feed id from the title and folds the panel away once the feed exists", async () => {
    await stack.api.createFeed("start", "Start");
    const page = await openConsole(browser, stack, "start");
    await page.locator("summary", { hasText: "Create a feed" }).click();
    await page.locator("#new-feed-title").fill("The latest on tensions at the Ukraine–Russia border");
    expect(await page.locator("#new-feed-id").inputValue()).toBe("the-latest-on-tensions-at-the-ukraine-russia-border");
    await page.getByRole("button", { name: "Create feed" }).click();
    await expect
      .poll(() => page.locator("#message").textContent())
      .toBe("Feed “the-latest-on-tensions-at-the-ukraine-russia-border” created.");
    expect(await page.locator("#create-box").evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(
      (await stack.api.request("GET", "/v1/feeds/the-latest-on-tensions-at-the-ukraine-russia-border")).status,
    ).toBe(200);
    await page.close();
  });

  for (const [name, viewport] of [
    ["desktop", CONSOLE_DESKTOP],
    ["phone", CONSOLE_PHONE],
  ] as const)
    it(`shows the timeline with thumbnails and a search, and retracts through a dialog (${name})`, async () => {
      const feedId = `rows-${name}`;
      await stack.api.createFeed(feedId, "Rows");
      const upload = await uploadPhoto(stack.url);
      await stack.api.publish(feedId, {
        id: "r1",
        headline: "Biden warns of consequences",
        body: "<p>The president said any movement of Russian units across the border would be an invasion.</p>",
        media: [{ id: upload.id, alt: "The president at a lectern" }],
      });
      await stack.api.publish(feedId, { id: "r2", headline: "Talks end in Geneva", body: "<p>No breakthrough.</p>" });
      await stack.api.publish(feedId, { id: "r3", body: "<p>Ukraine's foreign minister thanks allies.</p>" });
      await waitFor(async () => (await entries(feedId)).length === 3, "published");
      const page = await openConsole(browser, stack, feedId, viewport);
      await expect.poll(() => page.locator("#entries li").count()).toBe(3);
      const row = page.locator('#entries li[data-entry-id="r1"]');
      await expect
        .poll(() => row.locator("img.thumb").evaluate((i) => (i as HTMLImageElement).naturalWidth))
        .toBeGreaterThan(0);
      expect(await row.locator(".entry-text").textContent()).toContain("would be an invasion");
      if (name === "desktop") {
        // On a laptop the timeline's first rows are on the first screen.
        // Polled: a row redrawn while it is measured (its thumbnail arriving) has no box for a moment.
        await expect
          .poll(async () => {
            const box = await page.locator("#entries li").first().boundingBox();
            return (box?.y ?? Infinity) + (box?.height ?? 0);
          })
          .toBeLessThanOrEqual(viewport.height);
      }
      await lookAt(page, `timeline-${name}`);
      await page.locator("#entry-search").fill("geneva");
      await expect.poll(() => page.locator("#entries li").count()).toBe(1);
      expect(await page.locator("#found").textContent()).toBe("1 entry found");
      await page.locator("#entry-search").fill("");
      await expect.poll(() => page.locator("#entries li").count()).toBe(3);

      let nativeDialogs = 0;
      page.on("dialog", (d) => {
        nativeDialogs++;
        void d.dismiss();
      });
      await page.getByRole("button", { name: "Retract “Talks end in Geneva”" }).click();
      const dialog = page.locator("dialog#retract");
      await dialog.waitFor();
      await lookAt(page, `retract-${name}`);
      for (const scheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        expect(await axeViolations(page), `retract dialog, ${name} ${scheme}`).toEqual([]);
      }
      await dialog.getByRole("button", { name: "Cancel" }).click();
      expect(await page.locator('#entries li[data-entry-id="r2"]').count()).toBe(1);
      await page.getByRole("button", { name: "Retract “Talks end in Geneva”" }).click();
      await page.locator("#retract-reason").fill("Duplicate");
      await dialog.getByRole("button", { name: "Retract" }).click();
      await expect.poll(() => page.locator('#entries li[data-entry-id="r2"]').count()).toBe(0);
      expect((await entries(feedId)).map((e) => e.id).sort()).toEqual(["r1", "r3"]);
      expect(nativeDialogs).toBe(0);
      await page.close();
    });
});
