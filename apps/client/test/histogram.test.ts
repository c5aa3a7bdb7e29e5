import { LatencyHistogram } from '../src/load/histogram';

describe('LatencyHistogram', () => {
  it('is exact below 128 ns and reports 0 when empty', () => {
    const histogram = new LatencyHistogram();
    expect([histogram.count, histogram.percentile(0.5), histogram.min, histogram.max, histogram.mean]).toEqual([0, 0, 0, 0, 0]);
    for (let ns = 1; ns <= 100; ns++) histogram.record(ns);
    expect(histogram.percentile(0.5)).toBe(50);
    expect(histogram.percentile(0.99)).toBe(99);
    expect(histogram.percentile(1)).toBe(100);
    expect([histogram.count, histogram.min, histogram.max, histogram.mean]).toEqual([100, 1, 100, 50.5]);
  });

  it('keeps percentiles within 1.6% over microseconds to seconds', () => {
    const histogram = new LatencyHistogram();
    const values: number[] = [];
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let index = 0; index < 50_000; index++) {
      const ns = Math.floor(1_000 * 10 ** (random() * 6)); // 1 us .. 1 s, log-spread
      values.push(ns);
      histogram.record(ns);
    }
    values.sort((a, b) => a - b);
    for (const fraction of [0.5, 0.9, 0.99, 0.999]) {
      const exact = values[Math.ceil(fraction * values.length) - 1]!;
      expect(Math.abs(histogram.percentile(fraction) - exact) / exact).toBeLessThan(0.016);
    }
    expect(histogram.min).toBe(values[0]);
    expect(histogram.max).toBe(values[values.length - 1]);
  });

  it('handles values past 2^32 ns and clamps absurd ones', () => {
    const histogram = new LatencyHistogram();
    histogram.record(5e9); // 5 s: past the 32-bit range
    expect(Math.abs(histogram.percentile(0.5) - 5e9) / 5e9).toBeLessThan(0.016);
    histogram.record(1e15);
    histogram.record(-3);
    expect(histogram.max).toBe(2 ** 40 - 1);
    expect(histogram.min).toBe(0);
    expect(histogram.count).toBe(3);
  });
});
