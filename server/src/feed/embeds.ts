import type { Embed, EmbedProvider, EmbedRef } from "@liveline/protocol";

/**
 * Embed providers recognised by the URL alone: publishing never waits on (or leaks a request
 * to) a third party, and the widget renders each provider's own embed from the URL. Hosts are
 * matched exactly or as a subdomain (www., m., mobile.), never by substring, so
 * `youtube.com.evil.example` is a plain `link`.
 */
const PROVIDERS: { provider: Exclude<EmbedProvider, "link">; hosts: string[]; path: RegExp }[] = [
  { provider: "youtube", hosts: ["youtube.com"], path: /^\/(watch|shorts\/|live\/|embed\/)/ },
  { provider: "youtube", hosts: ["youtu.be"], path: /^\/[\w-]{6,}/ },
  { provider: "vimeo", hosts: ["vimeo.com"], path: /^\/(\d+|video\/\d+|channels\/[\w-]+\/\d+)/ },
  { provider: "vimeo", hosts: ["player.vimeo.com"], path: /^\/video\/\d+/ },
  { provider: "x", hosts: ["x.com", "twitter.com"], path: /^\/\w{1,15}\/status\/\d+/ },
  { provider: "bluesky", hosts: ["bsky.app"], path: /^\/profile\/[^/]+\/post\/[\w]+/ },
  { provider: "instagram", hosts: ["instagram.com"], path: /^\/(p|reel|tv)\/[\w-]+/ },
  { provider: "tiktok", hosts: ["tiktok.com"], path: /^\/@[\w.-]+\/video\/\d+/ },
  { provider: "tiktok", hosts: ["vm.tiktok.com"], path: /^\/\w+/ },
  { provider: "facebook", hosts: ["facebook.com", "fb.watch"], path: /^\/./ },
];

function hostMatches(host: string, base: string): boolean {
  return host === base || host.endsWith(`.${base}`);
}

/** The provider of an https URL (`link` for any other site). */
export function embedProviderOf(url: URL): EmbedProvider {
  const host = url.hostname.toLowerCase();
  for (const p of PROVIDERS) {
    if (p.hosts.some((h) => hostMatches(host, h)) && p.path.test(url.pathname)) return p.provider;
  }
  return "link";
}

/**
 * An embed as stored: its URL (as the URL parser writes it) and its provider. `title` is left
 * for a client that knows one; none is fetched. The request schema has refused anything but
 * https already.
 */
export function recogniseEmbed(ref: EmbedRef): Embed {
  const url = new URL(ref.url);
  return { url: url.href, provider: embedProviderOf(url) };
}
