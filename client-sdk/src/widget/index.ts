export { mount, type MountOptions, type MountedWidget } from "./mount.js";
export { safeFragment } from "./safe-html.js";
export { relativeTime, absoluteTime, clockTime } from "./time-format.js";
export { WIDGET_LANGUAGES } from "./i18n.js";
export { defineLivelineFeed } from "./custom-element.js";
// The widget's entry renderer, its order and its stylesheet, for previews that must look exactly
// as readers will see an entry (the editor console's, a CMS's).
export { renderEntry, displayOrder, type EntryLook } from "./entry-view.js";
export { pickLocale, type Locale } from "./i18n.js";
export { WIDGET_CSS } from "./styles.js";
