export { mount, type MountOptions, type MountedWidget } from "./mount.js";
export { safeFragment } from "./safe-html.js";
export { relativeTime, absoluteTime } from "./time-format.js";
