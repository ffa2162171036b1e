// The script-tag entry of /widget-embeds.js (see embed-player.ts).
import { install } from "./embed-player.js";

install(window);
