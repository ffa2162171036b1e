import type { EmbedRef, Embed, EntryMedia, EntryMediaRef } from "@liveline/protocol";
import { LivelineError } from "../errors.js";
import { toMediaItem } from "../media/media-record.js";
import type { MediaService } from "../media/media-service.js";
import type { EmbedResolver } from "../embeds/embed-resolver.js";
import { recogniseEmbed } from "./embeds.js";

/** What resolves the media an entry names: the media service and the origin of media URLs. */
export interface MediaResolver {
  media: MediaService;
  /** PUBLIC_URL, else the origin of the request that attached the media. */
  base: string;
}

/**
 * Media ids become the stored items (URLs, sizes, variants) with the alt, caption and credit
 * the entry gives them, so that readers never look a media id up. An id that names no upload is
 * a 404 `media_not_found` (a well-formed reference to something that is not there, as an unknown
 * feed is) naming its index (`media.2.id`), before anything is accepted.
 */
export async function resolveMedia(
  refs: readonly EntryMediaRef[],
  resolver: MediaResolver | undefined,
): Promise<EntryMedia[]> {
  const missing = (i: number) => ({ path: `media.${i}.id`, message: "no such media (upload it with POST /v1/media)" });
  if (resolver === undefined && refs.length > 0) {
    throw new LivelineError(
      "media_not_found",
      "no such media",
      refs.map((_, i) => missing(i)),
    );
  }
  const found = await Promise.all(
    refs.map(async (ref) => {
      if (resolver === undefined) return undefined;
      try {
        return toMediaItem(await resolver.media.get(ref.id), resolver.base);
      } catch (err) {
        if (err instanceof LivelineError && err.code === "media_not_found") return undefined;
        throw err;
      }
    }),
  );
  const problems = found.flatMap((item, i) => (item === undefined ? [missing(i)] : []));
  if (problems.length > 0) throw new LivelineError("media_not_found", "no such media", problems);
  return found.flatMap((item, i) => {
    const ref = refs[i];
    if (item === undefined || ref === undefined) return [];
    // The entry's alt is required; caption and credit default to the upload's own.
    const caption = ref.caption ?? item.caption;
    const credit = ref.credit ?? item.credit;
    return [
      {
        id: item.id,
        url: item.url,
        width: item.width,
        height: item.height,
        variants: item.variants,
        alt: ref.alt,
        ...(caption === undefined ? {} : { caption }),
        ...(credit === undefined ? {} : { credit }),
      },
    ];
  });
}

/** Embeds as stored: with the provider's title, author and thumbnail when a resolver can get them. */
export async function resolveEmbeds(refs: readonly EmbedRef[], resolver: EmbedResolver | undefined): Promise<Embed[]> {
  return resolver === undefined ? refs.map(recogniseEmbed) : resolver.resolve(refs);
}
