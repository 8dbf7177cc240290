// Smallest and largest of many numbers without `Math.min(...values)`, whose spread passes every value as a call
// argument and overflows the stack at a few hundred thousand values.

/** The smallest value (Infinity for none; NaN when any value is NaN, as Math.min). */
export function minOf(values: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) return NaN;
    if (v < m) m = v;
  }
  return m;
}

/** The largest value (-Infinity for none; NaN when any value is NaN, as Math.max). */
export function maxOf(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) return NaN;
    if (v > m) m = v;
  }
  return m;
}
