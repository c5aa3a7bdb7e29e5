// A latency histogram in the HDR style: fixed log-linear buckets in one preallocated typed
// array, so recording is a few integer operations and never allocates, whatever the run length.
// Values below 2^PRECISION_BITS ns are exact; above, each power of two is split into 2^(bits-1)
// equal buckets, so a reported value is within 1/2^(bits-1) (< 1.6% at 7 bits) of the truth.

const PRECISION_BITS = 7;
const LINEAR_LIMIT = 2 ** PRECISION_BITS; // values below this have a bucket each
const HALF = LINEAR_LIMIT / 2; // buckets per power of two above it
/** Latencies are clamped to 2^40 ns (about 18 minutes). */
const MAX_EXPONENT = 40;
const TWO_POW_32 = 2 ** 32;

function log2Floor(value: number): number {
  // Exact for integers up to 2^53, unlike Math.log2 near powers of two.
  return value >= TWO_POW_32 ? 63 - Math.clz32(Math.floor(value / TWO_POW_32)) : 31 - Math.clz32(value);
}

function bucketOf(ns: number): number {
  if (ns < LINEAR_LIMIT) return ns;
  const shift = log2Floor(ns) - PRECISION_BITS + 1;
  return shift * HALF + Math.floor(ns / 2 ** shift);
}

/** The middle of a bucket, as the value it reports. */
function valueOf(bucket: number): number {
  if (bucket < LINEAR_LIMIT) return bucket;
  const shift = Math.floor(bucket / HALF) - 1;
  const width = 2 ** shift;
  return (bucket - shift * HALF) * width + width / 2;
}

const BUCKETS = bucketOf(2 ** MAX_EXPONENT - 1) + 1;
const MAX_NS = 2 ** MAX_EXPONENT - 1;

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private sumNs = 0;
  private minNs = Infinity;
  private maxNs = 0;

  /** Records one latency in nanoseconds (integer; negative counts as 0, huge ones are clamped). */
  record(ns: number): void {
    const value = ns < 0 ? 0 : ns > MAX_NS ? MAX_NS : ns;
    this.counts[bucketOf(value)]!++;
    this.total++;
    this.sumNs += value;
    if (value < this.minNs) this.minNs = value;
    if (value > this.maxNs) this.maxNs = value;
  }

  get count(): number {
    return this.total;
  }

  get min(): number {
    return this.total === 0 ? 0 : this.minNs;
  }

  get max(): number {
    return this.maxNs;
  }

  get mean(): number {
    return this.total === 0 ? 0 : this.sumNs / this.total;
  }

  /** The latency (ns) at or below which `fraction` (0..1) of the recorded calls fall. */
  percentile(fraction: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(fraction * this.total));
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.counts[bucket]!;
      if (seen >= rank) return Math.min(Math.max(valueOf(bucket), this.minNs), this.maxNs);
    }
    return this.maxNs;
  }
}
