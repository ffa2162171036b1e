import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { User } from "@liveline/protocol";
import { axeViolations } from "./helpers/axe.js";
import { useBrowser } from "./helpers/browser.js";
import { editor } from "./helpers/console-page.js";
import { ssoStackEnv } from "./helpers/oidc-provider.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

// The console's sign-in screen in headless Chromium: single sign-on through a real OpenID
// Connect provider's pages (its own process), email and password, sign out; axe on the screen.
// LIVELINE_SCREENSHOTS=1 writes docs/console-sign-in-phone.png and docs/console-sign-in-desktop.png.

const { stack } = useStack(ssoStackEnv().env);
const browser = useBrowser({ viewport: { width: 1280, height: 800 } });
const screenshots = process.env.LIVELINE_SCREENSHOTS === "1";
const PASSWORD = "correct horse battery";

/** A fresh browser (no cookie of Liveline's or the provider's) on the console. */
async function signInScreen(viewport = { width: 1280, height: 800 }): Promise<Page> {
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  await page.goto(`${stack.url}/console`);
  await page.locator("#sign-in").waitFor();
  return page;
}

/** Through the provider's own login and consent pages, as `login`. */
async function atProvider(page: Page, login: string): Promise<void> {
  await page.locator("input[name=login]").fill(login);
  await page.locator("input[name=password]").fill("any password");
  await page.locator("button[type=submit]").click();
  await page.getByRole("button", { name: "Continue" }).click();
}

describe("the console's sign-in screen", () => {
  it("signs in with SSO through the provider, shows who is signed in, publishes, signs out", async () => {
    expect((await stack.api.createFeed("sso-desk", "Signed-in desk")).status).toBe(201);
    const page = await signInScreen();
    // Nothing of the desk shows before sign-in.
    expect(await page.locator("#desk").isHidden()).toBe(true);
    const sso = page.getByRole("link", { name: "Sign in with Newsroom SSO" });
    await sso.click();
    await page.waitForURL((url) => !url.href.startsWith(stack.url));
    await atProvider(page, "ada");
    await page.waitForURL(`${stack.url}/console`);
    await expect.poll(() => page.locator("#who").textContent()).toBe("Ada Lovelace");
    await expect.poll(() => page.locator("#feed").inputValue()).toBe("sso-desk");

    await page.locator("#headline").fill("Signed in by SSO");
    await editor(page).click();
    await page.keyboard.type("Published with the session cookie.");
    await page.locator("#submit").click();
    await expect.poll(() => page.locator("#message").textContent()).toBe("Published.");
    await waitFor(async () => {
      const res = await stack.api.request<{ entries: { headline?: string }[] }>("GET", "/v1/feeds/sso-desk/entries");
      return res.body.entries.some((e) => e.headline === "Signed in by SSO");
    }, "the entry published from the SSO session");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.locator("#sign-in").waitFor();
    const after = await page.evaluate(async () => (await fetch("/v1/session")).status);
    expect(after).toBe(401);
    await page.close();
  });

  it("refuses a person with no mapped role on a page that says why", async () => {
    const page = await signInScreen();
    await page.getByRole("link", { name: "Sign in with Newsroom SSO" }).click();
    await page.waitForURL((url) => !url.href.startsWith(stack.url));
    await atProvider(page, "max");
    await page.getByRole("heading", { name: "You are not signed in" }).waitFor();
    expect(await page.locator("code").textContent()).toBe("sso_no_role");
    await page.getByRole("link", { name: "Back to sign-in" }).click();
    await page.locator("#sign-in").waitFor();
    await page.close();
  });

  it("signs in with an email and a password; a wrong password is said in words", async () => {
    const res = await stack.api.request<User>("POST", "/v1/users", {
      email: "bea@newsroom.test",
      name: "Bea Editor",
      role: "editor",
      password: PASSWORD,
    });
    expect(res.status).toBe(201);
    const page = await signInScreen({ width: 390, height: 844 });
    await page.getByLabel("Email").fill("bea@newsroom.test");
    await page.getByLabel("Password", { exact: true }).fill("not the password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect
      .poll(() => page.locator("#sign-in-message").textContent())
      .toBe("That email and password do not match an account.");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => page.locator("#who").textContent()).toBe("Bea Editor");
    // A reload stays signed in: the session cookie, not the page, holds it.
    await page.reload();
    await expect.poll(() => page.locator("#who").textContent()).toBe("Bea Editor");
    expect(await page.locator("#sign-in").isHidden()).toBe(true);
    await page.close();
  });

  it("sets a password from an admin's one-time link, then signs in with it; a spent link is said in words", async () => {
    const user = await stack.api.request<User>("POST", "/v1/users", {
      email: "cyd@newsroom.test",
      name: "Cyd New",
      role: "contributor",
    });
    expect(user.status).toBe(201);
    const link = await stack.api.request<{ url: string }>("POST", `/v1/users/${user.body.id}/password-reset`);
    expect(link.status).toBe(201);
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await page.goto(link.body.url);
    await page.getByRole("heading", { name: "Set your password" }).waitFor();
    expect(await page.locator("#sign-in-form").isHidden()).toBe(true);
    expect(await axeViolations(page), "the set-a-password form").toEqual([]);
    await page.getByLabel("New password").fill(PASSWORD);
    await page.getByRole("button", { name: "Set password" }).click();
    await expect
      .poll(() => page.locator("#sign-in-message").textContent())
      .toBe("Your password is set: sign in with it.");
    expect(new URL(page.url()).hash).toBe("");
    await page.getByLabel("Email").fill("cyd@newsroom.test");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => page.locator("#who").textContent()).toBe("Cyd New");

    await page.close();

    // The same link again, in another tab: spent.
    const again = await browser.context.newPage();
    await again.goto(link.body.url);
    await again.getByRole("heading", { name: "Set your password" }).waitFor();
    await again.getByLabel("New password").fill("another good password");
    await again.getByRole("button", { name: "Set password" }).click();
    await expect
      .poll(() => again.locator("#sign-in-message").textContent())
      .toBe("This link was used, has expired or was never issued: ask an admin for a new one.");
    await again.close();
  });

  it("has no axe violations on phone and desktop, light and dark: docs/console-sign-in-*.png", async () => {
    if (screenshots) mkdirSync("docs", { recursive: true });
    const counts: string[] = [];
    for (const [name, viewport] of [
      ["phone", { width: 390, height: 844 }],
      ["desktop", { width: 1440, height: 900 }],
    ] as const)
      for (const scheme of ["light", "dark"] as const) {
        const page = await signInScreen(viewport);
        await page.emulateMedia({ colorScheme: scheme });
        await page.locator("#sso-box").waitFor();
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
        const violations = await axeViolations(page);
        counts.push(`${name} ${scheme}: ${violations.length}`);
        expect(violations, `${name} (${scheme})`).toEqual([]);
        if (screenshots && scheme === "light") await page.screenshot({ path: `docs/console-sign-in-${name}.png` });
        await page.close();
      }
    console.log(`sign-in axe-core violations: ${counts.join("; ")}`);
  });
});
