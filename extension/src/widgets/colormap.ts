/** Viridis as a few stops, interpolated: the heatmaps' colours and their colour scale. */

const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [109, 205, 89],
  [180, 222, 44],
  [253, 231, 37]
];

/** The colour of t in [0, 1] (clamped) as [r, g, b]. */
export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [0, 1, 2].map(k => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

/** Where `value` falls between `low` and `high`, in [0, 1]; a constant array maps to the middle. */
export function normalise(value: number, low: number, high: number): number {
  if (!(high > low)) {
    return 0.5;
  }
  return (value - low) / (high - low);
}
