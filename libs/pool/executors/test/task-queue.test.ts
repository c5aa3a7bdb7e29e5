import { TaskQueue } from '../src/task-queue';

interface Item {
  id: number;
  dropped: boolean;
}

describe('TaskQueue', () => {
  it('is FIFO, skips dropped items, and counts only live ones', () => {
    const queue = new TaskQueue<Item>();
    const items = Array.from({ length: 5 }, (_, id) => ({ id, dropped: false }));
    for (const item of items) queue.push(item);
    items[1]!.dropped = true;
    queue.dropped();
    items[3]!.dropped = true;
    queue.dropped();
    expect(queue.size).toBe(3);
    expect(queue.values().map((i) => i.id)).toEqual([0, 2, 4]);
    expect([queue.shift(), queue.shift(), queue.shift(), queue.shift()].map((i) => i?.id)).toEqual([0, 2, 4, undefined]);
    expect(queue.size).toBe(0);
  });

  it('stays in order across compactions with many items', () => {
    const queue = new TaskQueue<Item>();
    const taken: number[] = [];
    for (let id = 0; id < 10_000; id++) {
      queue.push({ id, dropped: false });
      if (id % 3 === 0) taken.push(queue.shift()!.id);
    }
    while (queue.size > 0) taken.push(queue.shift()!.id);
    expect(taken).toEqual(Array.from({ length: 10_000 }, (_, id) => id));
  });
});
