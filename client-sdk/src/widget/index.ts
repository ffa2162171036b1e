export { mount, type MountOptions, type MountedWidget } from "./mount.js";
export { safeFragment } from "./safe-html.js";
export { relativeTime, absoluteTime, clockTime } from "./time-format.js";
export { WIDGET_LANGUAGES } from "./i18n.js";
export { defineLivelineFeed } from "./custom-element.js";
