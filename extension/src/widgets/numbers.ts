/** Numbers for people: short, fixed-width-free, never exponent-of-exponent forms like 1e1.793. */

/** A compact number: 3 significant digits, engineering-style exponent only when very large/small. */
export function short(value: number | null | undefined): string {
  if (value === null || value === undefined) {
    return '–';
  }
  if (Number.isNaN(value)) {
    return 'NaN';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? '∞' : '−∞';
  }
  if (value === 0) {
    return '0';
  }
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) {
    return value.toExponential(2).replace('e+', 'e');
  }
  return String(Number(value.toPrecision(4)));
}

/** Tick labels for an axis: the same number of decimals on every tick, enough to tell them apart. */
export function tickLabels(ticks: number[]): string[] {
  const finite = ticks.filter(t => Number.isFinite(t));
  if (finite.length === 0) {
    return ticks.map(String);
  }
  const largest = Math.max(...finite.map(Math.abs));
  if (largest >= 1e5 || (largest > 0 && largest < 1e-3)) {
    return ticks.map(t => (t === 0 ? '0' : t.toExponential(1).replace('e+', 'e')));
  }
  // The fewest decimals that write every tick exactly (ticks are round numbers of one step).
  let decimals = 0;
  while (
    decimals < 6 &&
    finite.some(t => Math.abs(t * 10 ** decimals - Math.round(t * 10 ** decimals)) > 1e-6)
  ) {
    decimals++;
  }
  return ticks.map(t => t.toFixed(decimals));
}
