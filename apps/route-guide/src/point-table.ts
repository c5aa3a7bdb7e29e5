// (latitude, longitude) -> index of the FIRST feature at that point, in O(1).
// Open addressing over typed arrays rather than a Map of "lat,lng" strings: a million
// features cost 8 MB of slots instead of tens of MB of key strings, and building is fast.
export class PointTable {
  /** Feature index + 1 per slot; 0 marks an empty slot. Load factor stays at or below 1/2. */
  private readonly slots: Int32Array;
  private readonly mask: number;

  constructor(
    private readonly latitudes: Int32Array,
    private readonly longitudes: Int32Array,
  ) {
    let size = 16;
    while (size < latitudes.length * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let index = 0; index < latitudes.length; index++) this.insert(index);
  }

  /** The index of the first feature at exactly this point, or -1. */
  find(latitude: number, longitude: number): number {
    for (let slot = this.slotOf(latitude, longitude); ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot]!;
      if (entry === 0) return -1;
      if (this.latitudes[entry - 1] === latitude && this.longitudes[entry - 1] === longitude) return entry - 1;
    }
  }

  private insert(index: number): void {
    const latitude = this.latitudes[index]!;
    const longitude = this.longitudes[index]!;
    for (let slot = this.slotOf(latitude, longitude); ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot]!;
      if (entry === 0) {
        this.slots[slot] = index + 1;
        return;
      }
      // A later feature at the same point never shadows the first (the official servers scan in file order).
      if (this.latitudes[entry - 1] === latitude && this.longitudes[entry - 1] === longitude) return;
    }
  }

  // Mixes both coordinates (murmur3 finaliser) so grid-like data does not cluster in the table.
  private slotOf(latitude: number, longitude: number): number {
    let hash = Math.imul(latitude, 0x9e3779b1) ^ longitude;
    hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
    hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
    return (hash ^ (hash >>> 16)) & this.mask;
  }
}
