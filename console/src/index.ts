export { CONSOLE_PAGE, type ConsolePage } from "./page/console-page.js";
