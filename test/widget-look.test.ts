import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { axeViolations } from "./helpers/axe.js";
import { useBrowser } from "./helpers/browser.js";
import { seen } from "./helpers/look.js";
import { uploadPhoto, type UploadedPhoto } from "./helpers/photo.js";
import { startOembedProvider, type OembedProvider } from "./helpers/oembed-provider.js";
import { expectScreenshot } from "./helpers/screenshots.js";
import { TOKEN } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";
import { DESKTOP, PHONE, at, newPage as openTab, openLivePage, type Scheme, writeAt } from "./helpers/reader-pages.js";

// The widget as a reader sees it: rendered boxes and colours, screenshots against baselines
// (test/screenshots/), languages and right-to-left, themes, heading levels, the bytes on the
// wire, and axe-core on every page. Content is fixed: entries are written with the test
// process's Date set to fixed instants, the browser's clock is fixed at NOW, its zone is
// Europe/London and its locale en-GB. LIVELINE_SCREENSHOTS=1 also writes docs/widget-*.png.

/** A local oEmbed provider (its own process): the video and the post are drawn as posts. */
let provider: OembedProvider | undefined;
beforeAll(async () => {
  provider = await startOembedProvider();
});
afterAll(async () => {
  await provider?.kill();
});
const { stack } = useStack(() => {
  if (provider === undefined) throw new Error("the oEmbed provider did not start");
  return { OEMBED_ENDPOINTS: provider.endpoints };
});
const browser = useBrowser({ timezoneId: "Europe/London", locale: "en-GB" });
afterAll(() => {
  vi.useRealTimers();
});

const STORY = {
  en: {
    title: "Storm Elin: live updates",
    entries: [
      [
        "14:02",
        {
          id: "warning",
          headline: "Amber wind warning for the south-west",
          body: "<p>Gusts of 80 mph are possible on exposed coasts until midnight.</p>",
          author: { name: "Sam Okafor" },
          embeds: [{ url: "https://x.com/metoffice/status/1900000000000000000" }],
        },
      ],
      [
        "14:10",
        {
          id: "schools",
          headline: "Schools close early across Devon",
          body: "<p>Parents are asked to collect children by 2pm.</p>",
          keyEvent: true,
          embeds: [{ url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" }],
        },
      ],
      [
        "14:21",
        {
          id: "ferries",
          headline: "All Channel ferry crossings suspended",
          body: "<p>Operators expect no sailings before Thursday morning.</p>",
          breaking: true,
          author: { name: "Lena Marsh" },
        },
      ],
      [
        "14:32",
        {
          id: "summary",
          headline: "What we know so far",
          body: "<ul><li>Amber warning until midnight</li><li>Ferries suspended</li><li>Schools closing early</li></ul>",
          pinned: true,
        },
      ],
    ],
    photo: {
      alt: "Waves breaking over the sea wall",
      caption: "The sea wall at Dawlish this morning.",
      credit: "Agency",
    },
    correction: {
      id: "warning",
      body: "<p>Gusts of 85 mph are possible on exposed coasts until midnight.</p>",
      correction: "An earlier version of this entry gave gusts of 80 mph.",
    },
    late: { id: "trains", body: "<p>Trains west of Exeter are cancelled for the rest of the day.</p>" },
  },
  ar: {
    title: "العاصفة إيلين: تغطية مباشرة",
    entries: [
      [
        "14:02",
        {
          id: "warning",
          headline: "تحذير برتقالي من الرياح في الجنوب الغربي",
          body: "<p>قد تصل سرعة الرياح إلى 130 كيلومترًا في الساعة على السواحل حتى منتصف الليل.</p>",
          author: { name: "سامي أقفور" },
        },
      ],
      [
        "14:10",
        {
          id: "schools",
          headline: "إغلاق المدارس مبكرًا",
          body: "<p>يُطلب من الأهالي اصطحاب أطفالهم قبل الثانية ظهرًا.</p>",
          keyEvent: true,
          embeds: [{ url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" }],
        },
      ],
      [
        "14:21",
        {
          id: "ferries",
          headline: "تعليق جميع رحلات العبّارات",
          body: "<p>لا رحلات قبل صباح الخميس.</p>",
          breaking: true,
        },
      ],
      [
        "14:32",
        {
          id: "summary",
          headline: "ما نعرفه حتى الآن",
          body: "<ul><li>تحذير حتى منتصف الليل</li><li>تعليق العبّارات</li></ul>",
          pinned: true,
        },
      ],
    ],
    photo: { alt: "أمواج تتكسر فوق الجدار البحري", caption: "الجدار البحري في دوليش صباح اليوم.", credit: "وكالة" },
    correction: {
      id: "warning",
      body: "<p>قد تصل سرعة الرياح إلى 140 كيلومترًا في الساعة على السواحل حتى منتصف الليل.</p>",
      correction: "ذكرت نسخة سابقة من هذا الخبر سرعة 130 كيلومترًا في الساعة.",
    },
    late: { id: "trains", body: "<p>إلغاء القطارات غرب إكستر لبقية اليوم.</p>" },
  },
} as const;

let photo: Promise<UploadedPhoto> | undefined;

/**
 * A feed with the story's entries (the ferries one with a photo, the schools one with a video
 * card, the warning with a post), written at fixed times, and a correction at 14:40.
 */
async function seed(feedId: string, lang: keyof typeof STORY = "en"): Promise<void> {
  const story = STORY[lang];
  photo ??= uploadPhoto(stack.url);
  const media = [{ id: (await photo).id, ...story.photo }];
  await writeAt(at("13:50"), () => stack.api.request("POST", "/v1/feeds", { id: feedId, title: story.title }));
  for (const [hhmm, entry] of story.entries)
    await writeAt(at(hhmm), () => stack.api.publish(feedId, entry.id === "ferries" ? { ...entry, media } : entry));
  const { id, ...patch } = story.correction;
  await writeAt(at("14:40"), () => stack.api.edit(feedId, id, patch));
  await waitFor(async () => (await stack.store.currentSeq(feedId)) >= 5, `${feedId} seeded`);
}

function newPage(viewport: { width: number; height: number }, scheme: Scheme): Promise<Page> {
  return openTab(browser, viewport, scheme);
}

function openFeedPage(feedId: string, viewport = DESKTOP, scheme: Scheme = "light"): Promise<Page> {
  return openLivePage(browser, `${stack.url}/feeds/${feedId}`, viewport, scheme);
}

/** A news site's article page embedding the widget (about:blank origin: cross-origin, as on a real site). */
async function openHostPage(
  feedId: string,
  o: { lang?: string; dir?: string; attrs?: string; before?: string; pageStyle?: string } = {},
  viewport = DESKTOP,
  scheme: Scheme = "light",
): Promise<Page> {
  const page = await newPage(viewport, scheme);
  await page.setContent(
    `<!doctype html><html lang="${o.lang ?? "en"}" dir="${o.dir ?? "ltr"}"><head><title>Host</title>` +
      `<meta name="viewport" content="width=device-width, initial-scale=1"><style>body{margin:0;font-family:system-ui;${o.pageStyle ?? ""}}main{max-width:44rem;margin:0 auto;padding:1rem}</style></head>` +
      `<body><main>${o.before ?? "<h1>The Daily Example</h1>"}<div id="live" data-liveline-feed="${feedId}" ${o.attrs ?? ""}></div></main>` +
      `<script src="${stack.url}/widget.js"></script></body></html>`,
  );
  await page.locator("#live .status[data-state=live]").waitFor();
  return page;
}

let lateEntries = 0;

/** Pause, then publish: the entry waits behind the "N new updates" pill at the top. */
async function showPill(page: Page, feedId: string, lang: keyof typeof STORY = "en"): Promise<void> {
  await page.locator("#live button.pause").click();
  const late = { ...STORY[lang].late, id: `trains-${++lateEntries}` }; // a new entry each time
  await writeAt(at("14:44"), () => stack.api.publish(feedId, late));
  await page.locator("#live button.pill").waitFor();
}

describe("the new-updates pill as readers see it", () => {
  it("holds its text in its box with AA contrast: phone and desktop, light and dark, on a dark page", async () => {
    await seed("pill");
    const cases: [string, () => Promise<Page>][] = [];
    for (const [size, viewport] of [
      ["phone", PHONE],
      ["desktop", DESKTOP],
    ] as const)
      for (const scheme of ["light", "dark"] as const)
        cases.push([`${size} ${scheme}`, () => openFeedPage("pill", viewport, scheme)]);
    cases.push(["dark host page", () => openHostPage("pill", { pageStyle: "background:#111;color:#eee" })]);
    cases.push([
      "dark host page, dark theme",
      () => openHostPage("pill", { pageStyle: "background:#111", attrs: 'data-theme="dark"' }),
    ]);
    for (const [name, open] of cases) {
      const page = await open();
      await showPill(page, "pill");
      const pill = await seen(page.locator("#live button.pill"));
      expect([name, pill.textInside, pill.box.height >= 24]).toEqual([name, true, true]);
      expect(pill.contrast, `${name}: ${pill.color} on ${pill.background}`).toBeGreaterThanOrEqual(4.5);
      const headline = await seen(page.locator("#live article .headline").first());
      expect(headline.contrast, `${name}: headline`).toBeGreaterThanOrEqual(4.5);
      await page.close();
    }
  });
});

/**
 * Every picture is loaded and decoded before a whole-page screenshot: those below the fold are
 * lazy, and a full-page capture would otherwise catch them half-way, differently each run.
 */
async function picturesLoaded(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
  await page.locator("#live figure img, #live img.thumb").evaluateAll((imgs: HTMLImageElement[]) =>
    Promise.all(
      imgs.map((i) => {
        i.loading = "eager";
        return i.decode();
      }),
    ),
  );
}

describe("screenshots against baselines", () => {
  const shots = [
    ["widget-phone-light", PHONE, "light"],
    ["widget-phone-dark", PHONE, "dark"],
    ["widget-desktop-light", DESKTOP, "light"],
    ["widget-desktop-dark", DESKTOP, "dark"],
  ] as const;
  for (const [name, viewport, scheme] of shots)
    it(`${name}: the feed page with a pinned, a key, a breaking and a corrected entry, a photo, a video card, and the pill`, async () => {
      await seed(name);
      const page = await openFeedPage(name, viewport, scheme);
      await showPill(page, name);
      await picturesLoaded(page);
      // The whole page: the photo and the video card are below a phone's fold.
      await expectScreenshot(page, name, `docs/${name}.png`, { fullPage: true });
      await page.close();
    });

  it("widget-phone-ar: Arabic, right to left, embedded in an Arabic page", async () => {
    await seed("widget-phone-ar", "ar");
    const page = await openHostPage(
      "widget-phone-ar",
      { lang: "ar", dir: "rtl", before: "<h1>المثال اليومي</h1>" },
      PHONE,
    );
    await showPill(page, "widget-phone-ar", "ar");
    await picturesLoaded(page);
    await expectScreenshot(page, "widget-phone-ar", "docs/widget-phone-ar.png", { fullPage: true });
    await page.close();
  });
});

describe("languages, time, corrections, themes, headings", () => {
  it("shows the clock time and the relative time, and a visible correction note, in the reader's zone", async () => {
    await seed("times");
    const page = await openFeedPage("times");
    const meta = (id: string) => page.locator(`#live article[data-entry-id="${id}"]`);
    expect(await meta("ferries").locator("time.published .clock").textContent()).toBe("14:21");
    expect(await meta("ferries").locator("time.published .ago").textContent()).toBe("24 min ago");
    expect(await meta("ferries").locator("time.published").getAttribute("title")).toBe("10 Mar 2026, 14:21 GMT");
    expect(await meta("warning").locator(".updated").textContent()).toBe("Updated 14:40");
    expect(await meta("ferries").locator(".updated").count()).toBe(0);
    // Both times are on screen, not in a tooltip.
    expect(await meta("ferries").locator(".clock").isVisible()).toBe(true);
    expect(await meta("ferries").locator(".ago").isVisible()).toBe(true);
    await page.close();
  });

  it("speaks the host page's language: German from data-locale, Arabic right to left from lang", async () => {
    await seed("langs");
    const de = await openHostPage("langs", { attrs: 'data-locale="de-DE"' });
    expect(await de.locator("#live .ll").getAttribute("lang")).toBe("de-DE");
    expect(await de.locator("#live button.pause").textContent()).toBe("Live-Updates anhalten");
    expect(await de.locator('#live article[data-entry-id="ferries"] .ago').textContent()).toBe("vor 24 Min.");
    expect(await de.locator('#live article[data-entry-id="warning"] .updated').textContent()).toBe(
      "Aktualisiert 14:40",
    );
    await showPill(de, "langs");
    expect(await de.locator("#live button.pill").textContent()).toBe("1 neues Update – anzeigen");
    await de.close();

    const ar = await openHostPage("langs", { lang: "ar", dir: "rtl" });
    const section = ar.locator("#live .ll");
    expect([await section.getAttribute("lang"), await section.getAttribute("dir")]).toEqual(["ar", "rtl"]);
    expect(await ar.locator("#live .status").textContent()).toBe("مباشر");
    expect(await ar.locator('#live article[data-entry-id="summary"] .tag.pinned').textContent()).toBe("مثبّت");
    // The breaking entry's rule is on the start side: the right, in Arabic.
    const rule = await ar
      .locator('#live article[data-entry-id="ferries"]')
      .evaluate((el) => [getComputedStyle(el).borderRightWidth, getComputedStyle(el).borderLeftWidth]);
    expect(rule).toEqual(["4px", "0px"]);
    const box = async (sel: string) => (await ar.locator(sel).boundingBox())?.x ?? NaN;
    expect(await box("#live .status")).toBeGreaterThan(await box("#live button.pause"));
    await ar.close();
  });

  it("follows the reader's colour scheme unless the host sets data-theme", async () => {
    await seed("themes");
    const bg = (page: Page) => page.locator("#live .ll").evaluate((el) => getComputedStyle(el).backgroundColor);
    const light = await openHostPage("themes", {}, DESKTOP, "light");
    expect(await bg(light)).toBe("rgb(255, 255, 255)");
    await light.close();
    const dark = await openHostPage("themes", {}, DESKTOP, "dark");
    expect(await bg(dark)).toBe("rgb(22, 23, 26)");
    await dark.close();
    const forcedDark = await openHostPage("themes", { attrs: 'data-theme="dark"' }, DESKTOP, "light");
    expect(await bg(forcedDark)).toBe("rgb(22, 23, 26)");
    await forcedDark.close();
    const forcedLight = await openHostPage("themes", { attrs: 'data-theme="light"' }, DESKTOP, "dark");
    expect(await bg(forcedLight)).toBe("rgb(255, 255, 255)");
    await forcedLight.close();
  });

  it("puts headlines one level below the page's heading, or at data-heading-level", async () => {
    await seed("headings");
    const level = (page: Page) =>
      page.locator('#live article[data-entry-id="summary"] .headline').evaluate((el) => el.tagName);
    const feedPage = await openFeedPage("headings");
    expect(await level(feedPage)).toBe("H2"); // under the page's h1
    await feedPage.close();
    const section = await openHostPage("headings", { before: "<h1>Site</h1><h2>Live: the storm</h2>" });
    expect(await level(section)).toBe("H3");
    await section.close();
    const given = await openHostPage("headings", { attrs: 'data-heading-level="4"' });
    expect(await level(given)).toBe("H4");
    await given.close();
  });

  it("downloads /widget.js compressed: the bytes a browser receives stay within the budget", async () => {
    await seed("wire");
    const page = await openFeedPage("wire");
    // Fetched anew (the page's own copy may come from the cache), as a browser asks for it.
    const response = page.waitForResponse((r) => r.url().endsWith("/widget.js?fresh"));
    await page.evaluate(() => fetch("/widget.js?fresh", { cache: "no-store" }).then((r) => r.text()));
    const res = await response;
    expect((await res.allHeaders())["content-encoding"]).toBe("br");
    // What went over the network (the page's fake clock stands in for `performance`, so ask the browser's network layer).
    const wire = (await res.request().sizes()).responseBodySize;
    const decoded = (await res.body()).length;
    console.log(`/widget.js as Chromium received it: ${wire} bytes (br), ${decoded} decoded`);
    expect(wire).toBeGreaterThan(10_000);
    expect(wire).toBeLessThanOrEqual(30 * 1024);
    expect(decoded).toBeGreaterThan(wire * 2);
    await page.close();
  });
});

describe("axe-core: no violations", () => {
  it("the harness finds what it should (a mismatched name, low contrast, inside a shadow root)", async () => {
    const page = await newPage(DESKTOP, "light");
    await page.setContent(
      `<!doctype html><html lang="en"><head><title>t</title></head><body><main><h1>t</h1><div id="h"></div></main></body></html>`,
    );
    await page.evaluate(() => {
      const root = document.getElementById("h")?.attachShadow({ mode: "open" });
      if (root)
        root.innerHTML = `<button aria-label="Toggle key event">Unmark key</button><p style="color:#999">faint</p>`;
    });
    expect((await axeViolations(page)).map((v) => v.id).sort()).toEqual([
      "color-contrast",
      "label-content-name-mismatch",
    ]);
    await page.close();
  });

  it("on the feed page, the embedded widget (also in Arabic) and the console, light and dark", async () => {
    await seed("axe");
    await seed("axe-ar", "ar");
    const pages: [string, (scheme: Scheme) => Promise<Page>][] = [
      ["feed page", (s) => openFeedPage("axe", DESKTOP, s)],
      ["embedded widget", (s) => openHostPage("axe", {}, PHONE, s)],
      [
        "embedded widget, Arabic",
        (s) => openHostPage("axe-ar", { lang: "ar", dir: "rtl", before: "<h1>المثال</h1>" }, PHONE, s),
      ],
      [
        "console",
        async (s) => {
          const page = await newPage(DESKTOP, s);
          // Signed in (the desk, not the sign-in screen) with the stack's editor token.
          await page.addInitScript((t) => sessionStorage.setItem("liveline-editor-token", t), TOKEN);
          await page.goto(`${stack.url}/console?feed=axe`);
          await expect.poll(() => page.locator("#entries li").count()).toBeGreaterThanOrEqual(4);
          return page;
        },
      ],
    ];
    const counts: string[] = [];
    for (const [name, open] of pages)
      for (const scheme of ["light", "dark"] as const) {
        const page = await open(scheme);
        if (name !== "console")
          await showPill(page, name.includes("Arabic") ? "axe-ar" : "axe", name.includes("Arabic") ? "ar" : "en");
        const violations = await axeViolations(page);
        counts.push(`${name} (${scheme}): ${violations.length}`);
        expect(violations, `${name} (${scheme})`).toEqual([]);
        await page.close();
      }
    console.log(`axe-core violations: ${counts.join("; ")}`);
  });
});
