import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { Entry, User } from "@liveline/protocol";
import { useBrowser } from "./helpers/browser.js";
import { CONSOLE_DESKTOP, editor, openConsole } from "./helpers/console-page.js";
import { lookAt } from "./helpers/console-look.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

// A person signed in to the console writes under their own byline without typing it, may change
// it for one entry, and the entry's history names them.

const { stack } = useStack();
const browser = useBrowser({ viewport: CONSOLE_DESKTOP });
const FEED = "byline";
const PASSWORD = "correct horse battery";

let kateryna: User;

beforeAll(async () => {
  expect((await stack.api.createFeed(FEED)).status).toBe(201);
  const res = await stack.api.request<User>("POST", "/v1/users", {
    email: "kateryna@newsroom.example",
    name: "Kateryna Petrenko",
    role: "editor",
    feeds: [FEED],
    title: "Kyiv correspondent",
    avatarUrl: "/media/avatars/kateryna.webp",
    password: PASSWORD,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  kateryna = res.body;
});

/** Signs in from the service's own page, as the console's sign-in does: the cookie is the browser's. */
async function signIn(email: string): Promise<void> {
  const page = await browser.context.newPage();
  await page.goto(`${stack.url}/console`);
  const status = await page.evaluate(
    async (body) =>
      (
        await fetch("/v1/session", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        })
      ).status,
    { email, password: PASSWORD },
  );
  expect(status).toBe(200);
  await page.close();
}

async function stored(entryId: string): Promise<Entry> {
  return waitFor(async () => {
    const res = await stack.api.request<Entry>("GET", `/v1/feeds/${FEED}/entries/${entryId}`);
    return res.status === 200 ? res.body : undefined;
  }, `entry ${entryId}`);
}

async function publish(page: Page, text: string): Promise<Entry> {
  await editor(page).click();
  await page.keyboard.type(text);
  await page.locator("#submit").click();
  await expect.poll(() => page.locator("#message").textContent()).toMatch(/^Published/);
  const listed = await waitFor(async () => {
    const page1 = await stack.api.request<{ entries: Entry[] }>("GET", `/v1/feeds/${FEED}/entries`);
    return page1.body.entries.find((e) => e.body.includes(text));
  }, `the entry “${text}”`);
  return stored(listed.id);
}

describe("the byline of a signed-in person", () => {
  it("signs a new entry with their name, role and picture without typing them; editable per entry", async () => {
    await signIn("kateryna@newsroom.example");
    const page = await openConsole(browser, stack, FEED, CONSOLE_DESKTOP, null);
    await expect.poll(() => page.locator("#author").inputValue()).toBe("Kateryna Petrenko");
    expect(await page.locator("#author-role").inputValue()).toBe("Kyiv correspondent");
    expect(await page.locator("#author-picture").inputValue()).toBe("/media/avatars/kateryna.webp");
    // Her colleagues see her by name in the feed (the console's presence, by her session).
    await expect.poll(() => page.locator("#colleagues li").allTextContents()).toContain("Kateryna Petrenko");
    await page.locator("#author").scrollIntoViewIfNeeded();
    await lookAt(page, "byline-composer");

    const first = await publish(page, "Air-raid sirens sounded across Kyiv.");
    expect(first.author).toEqual({
      name: "Kateryna Petrenko",
      role: "Kyiv correspondent",
      avatarUrl: "/media/avatars/kateryna.webp",
    });

    // The next entry starts with her byline again; this one goes out under a guest's name.
    await expect.poll(() => page.locator("#author").inputValue()).toBe("Kateryna Petrenko");
    await page.locator("#author").fill("Ian Fox");
    await page.locator("#author-role").fill("");
    await page.locator("#author-picture").fill("");
    const second = await publish(page, "A guest's view from Lviv.");
    expect(second.author).toEqual({ name: "Ian Fox" });
    await expect.poll(() => page.locator("#author").inputValue()).toBe("Kateryna Petrenko");

    // Readers see her name on the entry she never typed a byline for.
    const reader = await browser.context.newPage();
    await reader.goto(`${stack.url}/feeds/${FEED}`);
    const entry = reader.locator(`#entry-${first.id}`).first();
    await expect.poll(() => entry.textContent()).toContain("Kateryna Petrenko");
    expect(await entry.textContent()).toContain("Kyiv correspondent");
    await reader.close();

    // The console's history names her as the one who published it.
    await page.getByRole("button", { name: "History “Air-raid sirens sounded across Kyiv.”" }).click();
    const history = page.locator("#history-list li");
    await expect.poll(() => history.first().textContent()).toMatch(/^rev\. 1 · published by Kateryna Petrenko · /);
    expect(await history.first().getAttribute("title")).toBe(`Kateryna Petrenko (${kateryna.id})`);
    await page.close();
  });
});
