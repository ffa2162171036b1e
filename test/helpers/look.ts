import type { Locator } from "playwright-core";

/**
 * What a reader sees of an element, measured in the page: its box against the box of its own
 * text, and the contrast of its text colour against the background actually behind it (the
 * colours composed up the tree, across shadow roots, down to the page's canvas).
 */
export interface Seen {
  box: { x: number; y: number; width: number; height: number };
  text: { x: number; y: number; width: number; height: number };
  /** The text box lies inside the element's box (half a pixel of rounding allowed). */
  textInside: boolean;
  color: string;
  background: string;
  contrast: number;
}

export function seen(locator: Locator): Promise<Seen> {
  return locator.evaluate((el) => {
    type Rgba = [number, number, number, number];
    function parse(css: string): Rgba {
      const nums = (css.match(/-?[\d.]+(e-?\d+)?/g) ?? []).map(Number);
      if (css.startsWith("color(srgb")) {
        const [r = 0, g = 0, b = 0, a = 1] = nums;
        return [r * 255, g * 255, b * 255, a];
      }
      if (css.startsWith("rgb")) {
        const [r = 0, g = 0, b = 0, a = 1] = nums;
        return [r, g, b, a];
      }
      throw new Error(`colour not understood: ${css}`);
    }
    function over(top: Rgba, under: Rgba): Rgba {
      const a = top[3];
      return [top[0] * a + under[0] * (1 - a), top[1] * a + under[1] * (1 - a), top[2] * a + under[2] * (1 - a), 1];
    }
    function luminance([r, g, b]: Rgba): number {
      const lin = (v: number) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    }
    // Background layers from the element outwards, until one is opaque.
    const layers: Rgba[] = [];
    for (let n: Element | null = el; n !== null;) {
      const bg = parse(getComputedStyle(n).backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
      const parent: Node | null = n.parentNode;
      n = parent instanceof ShadowRoot ? parent.host : parent instanceof Element ? parent : null;
    }
    const dark = matchMedia("(prefers-color-scheme: dark)").matches;
    let back: Rgba = dark ? [18, 18, 18, 1] : [255, 255, 255, 1];
    for (const layer of layers.reverse()) back = over(layer, back);
    const fore = over(parse(getComputedStyle(el).color), back);
    const [hi, lo] = [luminance(fore), luminance(back)].sort((a, b) => b - a) as [number, number];

    const range = el.ownerDocument.createRange();
    range.selectNodeContents(el);
    const r = el.getBoundingClientRect();
    const t = range.getBoundingClientRect();
    const plain = (d: DOMRect) => ({ x: d.x, y: d.y, width: d.width, height: d.height });
    return {
      box: plain(r),
      text: plain(t),
      textInside:
        t.left >= r.left - 0.5 && t.right <= r.right + 0.5 && t.top >= r.top - 0.5 && t.bottom <= r.bottom + 0.5,
      color: `rgb(${fore.slice(0, 3).map(Math.round).join(",")})`,
      background: `rgb(${back.slice(0, 3).map(Math.round).join(",")})`,
      contrast: Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100,
    };
  });
}
