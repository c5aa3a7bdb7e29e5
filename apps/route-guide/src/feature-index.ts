// The feature database in memory, indexed for the two queries RouteGuide makes:
// the feature at a point (GetFeature, RecordRoute) and the named features in a rectangle
// (ListFeatures), without scanning every feature per call.
import type { routeguide } from '@grpc-ts/protos';
import { PointTable } from './point-table';

/** An inclusive box in degrees x 1e7, corners already ordered. */
export interface Bounds {
  latMin: number;
  latMax: number;
  lngMin: number;
  lngMax: number;
}

/** What the service needs from a feature database (tests wrap it to observe the producer). */
export interface FeatureSource {
  readonly size: number;
  /** The first feature (in file order) at exactly this point, named or not. */
  find(point: routeguide.Point): routeguide.Feature | undefined;
  /** The NAMED features inside the bounds, edges included, in file order, produced lazily. */
  within(bounds: Bounds): Iterable<routeguide.Feature>;
}

// ListFeatures collects and sorts the latitude band's hits when the band holds at most this
// share of the named features; a wider band is cheaper to scan in file order, which also
// needs no buffer at all and yields the first hit at once.
const BAND_SHARE_LIMIT = 1 / 4;

export class FeatureIndex implements FeatureSource {
  private readonly latitudes: Int32Array;
  private readonly longitudes: Int32Array;
  private readonly names: string[];
  private readonly points: PointTable;
  /** Indices of named features, in file order. */
  private readonly named: Uint32Array;
  /** The same indices sorted by latitude, for binary search on a rectangle's latitude range. */
  private readonly byLatitude: Uint32Array;

  /** Features must already be validated (see parseFeatures). */
  constructor(features: readonly routeguide.Feature[]) {
    const count = features.length;
    this.latitudes = new Int32Array(count);
    this.longitudes = new Int32Array(count);
    this.names = new Array<string>(count);
    let namedCount = 0;
    features.forEach((feature, index) => {
      this.latitudes[index] = feature.location?.latitude ?? 0;
      this.longitudes[index] = feature.location?.longitude ?? 0;
      this.names[index] = feature.name;
      if (feature.name !== '') namedCount++;
    });
    this.named = new Uint32Array(namedCount);
    let next = 0;
    for (let index = 0; index < count; index++) if (this.names[index] !== '') this.named[next++] = index;
    const latitudes = this.latitudes;
    this.byLatitude = this.named.slice().sort((a, b) => latitudes[a]! - latitudes[b]!);
    this.points = new PointTable(this.latitudes, this.longitudes);
  }

  get size(): number {
    return this.names.length;
  }

  get namedCount(): number {
    return this.named.length;
  }

  find(point: routeguide.Point): routeguide.Feature | undefined {
    const index = this.points.find(point.latitude, point.longitude);
    return index < 0 ? undefined : this.feature(index);
  }

  *within(bounds: Bounds): Generator<routeguide.Feature> {
    const first = this.firstAtOrAbove(bounds.latMin);
    const end = this.firstAbove(bounds.latMax);
    if (end <= first) return;
    const order = end - first <= this.named.length * BAND_SHARE_LIMIT ? this.bandHits(bounds, first, end) : this.scan(bounds);
    for (const index of order) yield this.feature(index);
  }

  /** Hits among byLatitude[first, end), put back in file order (ascending index). */
  private bandHits({ lngMin, lngMax }: Bounds, first: number, end: number): Uint32Array {
    const hits = new Uint32Array(end - first);
    let count = 0;
    for (let k = first; k < end; k++) {
      const index = this.byLatitude[k]!;
      const longitude = this.longitudes[index]!;
      if (longitude >= lngMin && longitude <= lngMax) hits[count++] = index;
    }
    return hits.subarray(0, count).sort();
  }

  private *scan({ latMin, latMax, lngMin, lngMax }: Bounds): Generator<number> {
    for (const index of this.named) {
      const latitude = this.latitudes[index]!;
      const longitude = this.longitudes[index]!;
      if (latitude >= latMin && latitude <= latMax && longitude >= lngMin && longitude <= lngMax) yield index;
    }
  }

  private feature(index: number): routeguide.Feature {
    return {
      name: this.names[index]!,
      location: { latitude: this.latitudes[index]!, longitude: this.longitudes[index]! },
    };
  }

  /** First position in byLatitude whose latitude is >= value. */
  private firstAtOrAbove(value: number): number {
    return this.search((latitude) => latitude >= value);
  }

  /** First position in byLatitude whose latitude is > value. */
  private firstAbove(value: number): number {
    return this.search((latitude) => latitude > value);
  }

  private search(isAtOrPast: (latitude: number) => boolean): number {
    let low = 0;
    let high = this.byLatitude.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (isAtOrPast(this.latitudes[this.byLatitude[mid]!]!)) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}
