import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The fonts the test browser gets, and no others: Noto Sans (Latin, Cyrillic, Greek) and Noto
 * Sans Arabic for text, DejaVu Sans for the symbols neither has (► ✕ ⌘) and DejaVu Sans Mono for
 * `monospace`, all from npm packages (TrueType files, which fontconfig reads; the woff2 of
 * @fontsource it does not). The browser is pointed at them through fontconfig
 * (FONTCONFIG_FILE), so a page renders the same on every Linux machine whatever fonts it has
 * installed, and screenshot baselines hold everywhere. Pages are not changed: the widget keeps
 * `system-ui` and the reader's fonts in production; here every family, generic or named, falls
 * back to this list in this order.
 */
const FONTS: readonly (readonly [pkg: string, files: readonly string[]])[] = [
  [
    "@expo-google-fonts/noto-sans",
    [
      "400Regular/NotoSans_400Regular.ttf",
      "400Regular_Italic/NotoSans_400Regular_Italic.ttf",
      "600SemiBold/NotoSans_600SemiBold.ttf",
      "700Bold/NotoSans_700Bold.ttf",
      "700Bold_Italic/NotoSans_700Bold_Italic.ttf",
    ],
  ],
  [
    "@expo-google-fonts/noto-sans-arabic",
    [
      "400Regular/NotoSansArabic_400Regular.ttf",
      "600SemiBold/NotoSansArabic_600SemiBold.ttf",
      "700Bold/NotoSansArabic_700Bold.ttf",
    ],
  ],
  ["dejavu-fonts-ttf", ["ttf/DejaVuSans.ttf", "ttf/DejaVuSans-Bold.ttf", "ttf/DejaVuSansMono.ttf"]],
];

const FALLBACK = ["Noto Sans", "Noto Sans Arabic", "DejaVu Sans"];

const require = createRequire(import.meta.url);

/**
 * Lays out the test fonts and their fontconfig file under `dir` (a folder the caller owns and
 * removes) and returns the environment that makes a browser use them.
 */
export function testFontsEnv(dir: string): { FONTCONFIG_FILE: string } {
  const fonts = join(dir, "fonts");
  mkdirSync(fonts, { recursive: true });
  // One folder with only the chosen files: the packages hold other weights and scripts too.
  for (const [pkg, files] of FONTS) {
    const root = dirname(require.resolve(`${pkg}/package.json`));
    for (const file of files) symlinkSync(join(root, file), join(fonts, file.split("/").pop() ?? file));
  }
  const family = (name: string) => `<string>${name}</string>`;
  const config = `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>${fonts}</dir>
  <cachedir>${join(dir, "cache")}</cachedir>
  <alias binding="same"><family>monospace</family><prefer><family>DejaVu Sans Mono</family></prefer></alias>
  <!-- Any family asked for (system-ui, sans-serif, Segoe UI …) ends in the same list. -->
  <match target="pattern">
    <edit name="family" mode="append_last" binding="same">${FALLBACK.map(family).join("")}</edit>
  </match>
  <!-- Rendering fixed here, not left to the machine's /etc/fonts. -->
  <match target="font">
    <edit name="antialias" mode="assign"><bool>true</bool></edit>
    <edit name="hinting" mode="assign"><bool>true</bool></edit>
    <edit name="hintstyle" mode="assign"><const>hintslight</const></edit>
    <edit name="rgba" mode="assign"><const>none</const></edit>
    <edit name="embeddedbitmap" mode="assign"><bool>false</bool></edit>
  </match>
</fontconfig>
`;
  const file = join(dir, "fonts.conf");
  writeFileSync(file, config);
  return { FONTCONFIG_FILE: file };
}
