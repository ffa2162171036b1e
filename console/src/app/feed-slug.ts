/**
 * A feed id made from its title ("The latest on tensions at the Ukraine–Russia border" →
 * "the-latest-on-tensions-at-the-ukraine-russia-border"): lower case, accents dropped, every
 * other run of characters one dash, at most 64 characters, as the API's feed id pattern wants.
 */
export function slugOf(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, 64)
    .replace(/-+$/, "");
}
