import { EMBED_PROVIDERS, type EmbedProvider } from "@liveline/protocol";

/** The providers that may have an oEmbed endpoint (a `link` card names no provider to ask). */
export type OembedProvider = Exclude<EmbedProvider, "link">;
const PROVIDERS = EMBED_PROVIDERS.filter((p): p is OembedProvider => p !== "link");

/**
 * The providers' public oEmbed endpoints. Instagram's and Facebook's (Meta's Graph API) answer
 * only with an app access token, so they are off until OEMBED_ENDPOINTS names them with one
 * (`instagram=https://graph.facebook.com/v22.0/instagram_oembed?access_token=<app-id>|<client-token>`).
 */
export const DEFAULT_OEMBED_ENDPOINTS: Readonly<Partial<Record<OembedProvider, string>>> = {
  youtube: "https://www.youtube.com/oembed",
  vimeo: "https://vimeo.com/api/oembed.json",
  x: "https://publish.twitter.com/oembed",
  bluesky: "https://embed.bsky.app/oembed",
  tiktok: "https://www.tiktok.com/oembed",
};

/** Each provider's oEmbed endpoint; a provider missing here gets a plain card. */
export type OembedEndpoints = ReadonlyMap<OembedProvider, URL>;

/**
 * OEMBED_ENDPOINTS: `off` (no lookups at all), or comma-separated `<provider>=<endpoint URL>` and
 * `<provider>=off` entries changing the defaults one provider at a time. Unset: the defaults.
 * Throws on an unknown provider or an endpoint that is not an http(s) URL.
 */
export function parseOembedEndpoints(value: string | undefined): OembedEndpoints {
  const endpoints = new Map<OembedProvider, URL>();
  for (const p of PROVIDERS) {
    const url = DEFAULT_OEMBED_ENDPOINTS[p];
    if (url !== undefined) endpoints.set(p, new URL(url));
  }
  const text = (value ?? "").trim();
  if (text === "off") return new Map();
  for (const entry of text.split(",").map((e) => e.trim())) {
    if (entry === "") continue;
    const cut = entry.indexOf("=");
    const name = entry.slice(0, cut).trim();
    const target = entry.slice(cut + 1).trim();
    const provider = PROVIDERS.find((p) => p === name);
    if (cut <= 0 || provider === undefined) {
      throw new RangeError(
        `"${entry}" must be <provider>=<URL> or <provider>=off, provider one of ${PROVIDERS.join(", ")}`,
      );
    }
    if (target === "off") endpoints.delete(provider);
    else if (URL.canParse(target) && /^https?:$/.test(new URL(target).protocol))
      endpoints.set(provider, new URL(target));
    else throw new RangeError(`${provider}: "${target}" is not an http(s) URL`);
  }
  return endpoints;
}
