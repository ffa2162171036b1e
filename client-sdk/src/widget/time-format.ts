import { el } from "./dom.js";
/**
 * Times shown on entries. Relative times come from the difference of two instants, so they
 * are right across daylight-saving changes; absolute times are formatted by Intl in the
 * reader's own named time zone (or the one given, for tests), never by hand.
 */
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
];

const formats = new Map<string, Intl.DateTimeFormat | Intl.RelativeTimeFormat>();

function cached<T extends Intl.DateTimeFormat | Intl.RelativeTimeFormat>(key: string, make: () => T): T {
  let f = formats.get(key);
  if (f === undefined) {
    f = make();
    formats.set(key, f);
  }
  return f as T;
}

function dateFormat(
  kind: string,
  locale: string | undefined,
  timeZone: string | undefined,
  o: Intl.DateTimeFormatOptions,
) {
  return cached(
    `${kind}|${locale ?? ""}|${timeZone ?? ""}`,
    () => new Intl.DateTimeFormat(locale, timeZone === undefined ? o : { ...o, timeZone }),
  );
}

/** e.g. "3 min. ago", or the locale's word for "now" in the first 45 seconds. */
export function relativeTime(iso: string, now: number, locale?: string): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(seconds);
  const rtf = cached(
    `rel|${locale ?? ""}`,
    () => new Intl.RelativeTimeFormat(locale, { numeric: "auto", style: "short" }),
  );
  if (abs < 45) return rtf.format(0, "second");
  for (const [unit, size] of UNITS) {
    if (abs >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(Math.round(seconds / 60), "minute");
}

/** e.g. "29 Mar 2026, 02:30 BST" in the reader's zone, or in `timeZone` when given. */
export function absoluteTime(iso: string, locale?: string, timeZone?: string): string {
  return dateFormat("abs", locale, timeZone, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(new Date(iso));
}

/**
 * The time readers see on an entry: "14:32" (or "2:32 PM", as the locale writes it) on the
 * day it is read, with the day in front once it is from another day ("29 Mar, 14:32").
 */
export function clockTime(iso: string, now: number, locale?: string, timeZone?: string): string {
  const at = new Date(iso);
  const day = dateFormat("day", locale, timeZone, { year: "numeric", month: "numeric", day: "numeric" });
  const sameDay = day.format(at) === day.format(new Date(now));
  const o: Intl.DateTimeFormatOptions = sameDay
    ? { hour: "numeric", minute: "2-digit" }
    : { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };
  return dateFormat(sameDay ? "clock" : "dayclock", locale, timeZone, o).format(at);
}

/** Fill a <time> element with the clock time only (the time of a correction). */
export function setClock(el: HTMLTimeElement, iso: string, now: number, locale?: string): void {
  el.dateTime = iso;
  el.title = absoluteTime(iso, locale);
  el.textContent = clockTime(iso, now, locale);
}

/**
 * Fill a <time> element: machine-readable datetime, the clock time and the relative time side
 * by side (both visible: touch screens have no hover), the full date and zone as its title.
 */
export function setTime(time: HTMLTimeElement, iso: string, now: number, locale?: string): void {
  const doc = time.ownerDocument;
  const clock = el(doc, "span", "clock", clockTime(iso, now, locale));
  const ago = el(doc, "span", "ago", relativeTime(iso, now, locale));
  time.dateTime = iso;
  time.title = absoluteTime(iso, locale);
  time.replaceChildren(clock, " ", ago);
}

/** Bring every entry time under `root` up to `now` (relative times age; "today" ends at midnight). */
export function refreshTimes(root: ParentNode, now: number, locale: string): void {
  for (const t of root.querySelectorAll("time")) {
    if (t.classList.contains("published")) setTime(t, t.dateTime, now, locale);
    else setClock(t, t.dateTime, now, locale);
  }
}
