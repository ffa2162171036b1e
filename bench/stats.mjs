// Latency statistics over typed arrays (a 10,000 × 100 run is a million samples).

/** Sorted copy of the finite values of a Float64Array. */
export function sortedFinite(values) {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out[j++] = values[i];
  return out.sort();
}

/** Nearest-rank percentile of a sorted array (p in 0..100). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summary(sorted) {
  const r = (v) => (v === null ? null : Math.round(v * 100) / 100);
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  return {
    count: sorted.length,
    mean: sorted.length ? r(sum / sorted.length) : null,
    p50: r(percentile(sorted, 50)),
    p95: r(percentile(sorted, 95)),
    p99: r(percentile(sorted, 99)),
    max: r(sorted.length ? sorted[sorted.length - 1] : null),
  };
}

/** A CDF as [latency ms, fraction] points, dense enough for a plot (and its tail). */
export function cdfPoints(sorted, points = 200) {
  if (sorted.length === 0) return [];
  const out = [];
  for (let i = 0; i <= points; i++) {
    const q = i / points;
    // Spend half the points on the last 10%, where the interesting tail is.
    const f = q < 0.5 ? q * 1.8 : 0.9 + (q - 0.5) * 0.2;
    const v = percentile(sorted, f * 100);
    out.push([Math.round(v * 100) / 100, Math.round(f * 10000) / 10000]);
  }
  return out;
}
