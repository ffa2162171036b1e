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

export function relativeTime(iso: string, now: number, locale?: string): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto", style: "short" });
  for (const [unit, size] of UNITS) {
    if (abs >= size || unit === "minute") return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(Math.round(seconds / 60), "minute");
}

const absoluteFormats = new Map<string, Intl.DateTimeFormat>();

/** e.g. "29 Mar 2026, 02:30 BST" in the reader's zone, or in `timeZone` when given. */
export function absoluteTime(iso: string, locale?: string, timeZone?: string): string {
  const key = `${locale ?? ""}|${timeZone ?? ""}`;
  let fmt = absoluteFormats.get(key);
  if (fmt === undefined) {
    fmt = new Intl.DateTimeFormat(locale, {
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      timeZoneName: "short",
      ...(timeZone === undefined ? {} : { timeZone }),
    });
    absoluteFormats.set(key, fmt);
  }
  return fmt.format(new Date(iso));
}

/** Fill a <time> element: machine-readable datetime, relative text, absolute time on hover. */
export function setTime(el: HTMLTimeElement, iso: string, now: number): void {
  el.dateTime = iso;
  el.textContent = relativeTime(iso, now);
  el.title = absoluteTime(iso);
}
