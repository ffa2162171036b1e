import { embedProviderOf, type Embed, type EmbedRef } from "@liveline/protocol";

/**
 * An embed as stored: its URL (as the URL parser writes it) and its provider. `title` is left
 * for a client that knows one; none is fetched. The request schema has refused anything but
 * https already.
 */
export function recogniseEmbed(ref: EmbedRef): Embed {
  const url = new URL(ref.url);
  return { url: url.href, provider: embedProviderOf(url) };
}
