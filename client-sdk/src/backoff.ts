/**
 * "Full jitter" exponential backoff (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): a uniformly random delay between 0 and min(max, min·2^attempt). After a deploy,
 * readers come back spread over the whole window instead of in the same millisecond.
 */
export function fullJitterDelay(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
