// The executor's FIFO of waiting tasks. O(1) to add, take and drop: Array#shift copies the
// whole array once it is long (it showed as the top cost with 40,000 tasks queued), and a
// cancel drops an entry by marking it, not by searching.

export class TaskQueue<T extends { readonly dropped: boolean }> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private live = 0;

  get size(): number {
    return this.live;
  }

  push(item: T): void {
    this.items.push(item);
    this.live++;
  }

  /** The oldest item not dropped, or undefined. */
  shift(): T | undefined {
    while (this.head < this.items.length) {
      const item = this.items[this.head];
      this.items[this.head++] = undefined;
      if (item && !item.dropped) {
        this.live--;
        this.compact();
        return item;
      }
    }
    return undefined;
  }

  /** Call once an item (still in the queue) has become `dropped`. */
  dropped(): void {
    this.live--;
    if (this.live === 0) this.clear();
  }

  /** Every item not dropped, oldest first. */
  values(): T[] {
    return this.items.slice(this.head).filter((item): item is T => item !== undefined && !item.dropped);
  }

  private compact(): void {
    if (this.live === 0) this.clear();
    else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  private clear(): void {
    this.items = [];
    this.head = 0;
  }
}
