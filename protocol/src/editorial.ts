import { z } from "zod";
import { EMBED_PROVIDERS } from "./constants.js";
import { MEDIA_LIMITS } from "./media-limits.js";
import { MediaId, MediaItem } from "./media.js";

import { Text, TextLine } from "./text.js";

/** What an entry carries besides its text (docs/media.md): hosted images, embedded posts, corrections. */

/** Most media items and embeds one entry carries. */
export const ENTRY_ATTACHMENT_LIMITS = { maxMedia: 20, maxEmbeds: 10, maxCorrectionChars: 1_000, maxCorrections: 50 };

/** An uploaded image attached to an entry, as sent: alt text is required once attached. */
export const EntryMediaRef = z.strictObject({
  id: MediaId,
  alt: TextLine(MEDIA_LIMITS.maxAltChars),
  caption: TextLine(MEDIA_LIMITS.maxCaptionChars).optional(),
  credit: TextLine(MEDIA_LIMITS.maxCreditChars).optional(),
});

/** An attached image as stored and as readers get it: the media item with its required alt. */
export const EntryMedia = MediaItem.extend({ alt: z.string() });

/**
 * An https URL with a host name (letters, digits and hyphens, dot-separated, a letter TLD: what
 * WHATWG URL parses as is) and an optional port, path, query and fragment without whitespace or
 * control characters. A pattern rather than a parse, so that /openapi.json states the rule
 * itself; its classes are spelt out (no `\s`) so every regular-expression dialect reads it alike.
 * A host in another script is sent as its IDNA form (`xn--…`).
 */
const HTTPS_URL =
  // eslint-disable-next-line no-control-regex -- the class names the control characters it refuses
  /^[hH][tT][tT][pP][sS]:\/\/(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?::[0-9]{1,4})?(?:[/?#][^\x00-\x20\x7f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*)?$/;

/** An embed as sent: an https URL (http:, javascript: and every other scheme are refused). */
export const EmbedRef = z.strictObject({
  url: Text.max(2_000).regex(HTTPS_URL, "must be an https URL with a host name"),
});

/** Recognised from the URL alone (no call to the provider); anything else https is a `link` card. */
export const EmbedProvider = z.enum(EMBED_PROVIDERS);

/**
 * An embedded post's preview picture: the provider's thumbnail, fetched by the server and
 * re-hosted through the media pipeline (like an upload: WebP variants, metadata stripped), so a
 * reader's browser loads it from Liveline and asks the provider nothing before a click. Decorative
 * beside the title: it carries no alt text of its own.
 */
export const EmbedThumbnail = MediaItem.pick({ id: true, url: true, width: true, height: true, variants: true });

/** Most characters of an embed's title (or a post's text standing in for one) and of its author. */
export const EMBED_TEXT_LIMITS = { maxTitleChars: 300, maxAuthorChars: 200 };

/**
 * An embed as stored and as readers get it. `title`, `author` and `thumbnail` are what the
 * provider's oEmbed endpoint said when the entry was published or edited (see docs/media.md);
 * absent when the provider has no oEmbed endpoint configured, did not answer in time, or answered
 * something unusable: the card then shows the provider and the URL, as a plain link card.
 */
export const Embed = z.object({
  url: z.string(),
  provider: EmbedProvider,
  title: z.string().max(EMBED_TEXT_LIMITS.maxTitleChars).optional(),
  author: z.object({ name: z.string().max(EMBED_TEXT_LIMITS.maxAuthorChars) }).optional(),
  thumbnail: EmbedThumbnail.optional(),
});

/** A correction notice readers see under the entry, oldest first. */
export const Correction = z.object({ at: z.iso.datetime({ offset: true }), text: z.string() });

export const CorrectionText = TextLine(ENTRY_ATTACHMENT_LIMITS.maxCorrectionChars);

/** Most characters of a retraction's reason. */
export const MAX_RETRACT_REASON_CHARS = 500;
/** Why an entry was retracted: for the newsroom's record (its revisions), never shown to readers. */
export const RetractReason = TextLine(MAX_RETRACT_REASON_CHARS);
/** `DELETE …/entries/:entryId`'s optional JSON body. */
export const RetractEntryRequest = z.strictObject({ reason: RetractReason.optional() });

export type EntryMediaRef = z.infer<typeof EntryMediaRef>;
export type EntryMedia = z.infer<typeof EntryMedia>;
export type EmbedRef = z.infer<typeof EmbedRef>;
export type EmbedProvider = z.infer<typeof EmbedProvider>;
export type Embed = z.infer<typeof Embed>;
export type EmbedThumbnail = z.infer<typeof EmbedThumbnail>;
export type Correction = z.infer<typeof Correction>;
export type RetractEntryRequest = z.infer<typeof RetractEntryRequest>;
