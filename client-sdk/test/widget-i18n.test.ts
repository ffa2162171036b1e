import { describe, expect, it } from "vitest";
import { pickLocale, WIDGET_LANGUAGES } from "../src/widget/i18n.js";

describe("widget languages", () => {
  it("ships English, German, French, Spanish, Ukrainian and Arabic", () => {
    expect([...WIDGET_LANGUAGES].sort()).toEqual(["ar", "de", "en", "es", "fr", "uk"]);
    for (const lang of WIDGET_LANGUAGES) {
      const { t } = pickLocale([lang], undefined);
      for (const [key, value] of Object.entries(t)) expect([lang, key, value]).not.toEqual([lang, key, ""]);
      expect(t.dir).toBe(lang === "ar" ? "rtl" : "ltr");
    }
  });

  it("takes data-locale, then the page's lang, then the reader's; English otherwise", () => {
    expect(pickLocale(["de-AT", "fr"], "en-US").tag).toBe("de-AT");
    expect(pickLocale([undefined, "fr"], "en-US").tag).toBe("fr");
    expect(pickLocale(["zz-not-shipped", "x y", "es"], undefined).lang).toBe("es");
    expect(pickLocale([undefined, undefined], "uk-UA").tag).toBe("uk-UA");
    expect(pickLocale([undefined], "ja-JP").tag).toBe("en");
    // A bare page language borrows the reader's region for formats when it is the same language.
    expect(pickLocale(["en"], "en-GB").tag).toBe("en-GB");
    expect(pickLocale(["en"], "de-DE").tag).toBe("en");
  });

  it("counts in each language's plural forms and digits", () => {
    const uk = pickLocale(["uk"], undefined);
    expect([1, 3, 5, 21].map((n) => uk.newUpdates(n))).toEqual([
      "1 нове оновлення",
      "3 нові оновлення",
      "5 нових оновлень",
      "21 нове оновлення",
    ]);
    const ar = pickLocale(["ar"], undefined);
    expect(ar.newUpdates(1)).toBe("تحديث جديد واحد");
    expect(ar.newUpdates(2)).toBe("تحديثان جديدان");
    expect(ar.newUpdates(3)).toMatch(/^\S+ تحديثات جديدة$/);
    expect(pickLocale(["de"], undefined).newUpdates(1200)).toBe("1.200 neue Updates");
  });
});
