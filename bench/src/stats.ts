// Medians and spreads: figures here move +-20% between runs, so every figure reported is the
// median of several interleaved rounds, and ratios are taken inside each round first.

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** (max - min) / median: how much the rounds disagree. */
export function spread(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return (Math.max(...values) - Math.min(...values)) / median(values);
}

/**
 * The median over rounds of numerator/denominator measured in the same round. Rounds where
 * either side is missing are skipped; NaN when none is left.
 */
export function medianRatio(numerators: readonly (number | undefined)[], denominators: readonly (number | undefined)[]): number {
  const ratios: number[] = [];
  numerators.forEach((numerator, round) => {
    const denominator = denominators[round];
    if (numerator !== undefined && denominator !== undefined && denominator > 0) ratios.push(numerator / denominator);
  });
  return median(ratios);
}

/** The median over rounds of a - b measured in the same round (rounds missing either are skipped); NaN when none is left. */
export function medianDifference(a: readonly (number | undefined)[], b: readonly (number | undefined)[]): number {
  const differences: number[] = [];
  a.forEach((value, round) => {
    const other = b[round];
    if (value !== undefined && other !== undefined) differences.push(value - other);
  });
  return median(differences);
}

/** 12345.6 -> "12,346"; "-" for a missing figure. */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-';
}
