import { DEFAULT_CHAT_LIMITS, RouteChatStore } from '../src/chat-store';

const at = (latitude: number, longitude = 0) => ({ latitude, longitude });
const messages = (store: RouteChatStore, latitude: number) => [...store.notesAt(at(latitude))].map((n) => n.message);

describe('RouteChatStore', () => {
  it('keeps notes per exact location, oldest first', () => {
    const store = new RouteChatStore();
    store.add(at(1), 'a');
    store.add(at(2), 'x');
    store.add(at(1), 'b');
    expect(messages(store, 1)).toEqual(['a', 'b']);
    expect(messages(store, 2)).toEqual(['x']);
    expect([...store.notesAt(at(1, 1))]).toEqual([]);
    expect([...store.notesAt(at(1))][0]).toEqual({ location: at(1), message: 'a' });
  });

  it('returns a snapshot that later writes do not change', () => {
    const store = new RouteChatStore();
    store.add(at(1), 'a');
    const snapshot = store.notesAt(at(1));
    store.add(at(1), 'b');
    expect([...snapshot].map((n) => n.message)).toEqual(['a']);
  });

  it('drops the oldest note at a location past maxNotesPerLocation', () => {
    const store = new RouteChatStore({ maxNotesPerLocation: 3 });
    for (const message of ['1', '2', '3', '4', '5']) store.add(at(1), message);
    expect(messages(store, 1)).toEqual(['3', '4', '5']);
    expect(store.noteCount).toBe(3);
  });

  it('drops the least recently WRITTEN location past maxLocations', () => {
    const store = new RouteChatStore({ maxLocations: 2 });
    store.add(at(1), 'a');
    store.add(at(2), 'b');
    store.add(at(1), 'a2'); // location 1 is now the most recent
    store.add(at(3), 'c'); // evicts location 2
    expect([store.locationCount, store.noteCount]).toEqual([2, 3]);
    expect(messages(store, 2)).toEqual([]);
    expect(messages(store, 1)).toEqual(['a', 'a2']);
    expect(messages(store, 3)).toEqual(['c']);
  });

  it('keeps message bytes within maxMessageBytes: old locations first, then old notes here', () => {
    const store = new RouteChatStore({ maxMessageBytes: 10 });
    store.add(at(1), 'aaaa');
    store.add(at(2), 'bbbb');
    expect(store.messageBytes).toBe(8);
    store.add(at(3), 'cccc'); // 12 bytes: location 1 goes
    expect([store.messageBytes, store.locationCount]).toEqual([8, 2]);
    expect(messages(store, 1)).toEqual([]);
    store.add(at(3), 'ddddddddd'); // 9 more: location 2 goes, then c at location 3
    expect(messages(store, 3)).toEqual(['ddddddddd']);
    expect([store.messageBytes, store.noteCount, store.locationCount]).toEqual([9, 1, 1]);
  });

  it('counts UTF-8 bytes, and keeps a lone note larger than the budget', () => {
    const store = new RouteChatStore({ maxMessageBytes: 4 });
    store.add(at(1), 'é€'); // 2 + 3 bytes
    expect([store.messageBytes, store.noteCount]).toEqual([5, 1]);
    store.add(at(1), 'ab');
    expect(messages(store, 1)).toEqual(['ab']);
  });

  it('stays bounded under a long stream of writes', () => {
    const limits = { maxNotesPerLocation: 5, maxLocations: 50, maxMessageBytes: 1_000_000 };
    const store = new RouteChatStore(limits);
    for (let i = 0; i < 100_000; i++) store.add(at(i % 997, i % 13), `note ${i}`);
    expect(store.locationCount).toBeLessThanOrEqual(50);
    expect(store.noteCount).toBeLessThanOrEqual(250);
    // The bookkeeping agrees with what is really stored.
    let notes = 0;
    for (let lat = 0; lat < 997; lat++) for (let lng = 0; lng < 13; lng++) notes += [...store.notesAt(at(lat, lng))].length;
    expect(notes).toBe(store.noteCount);
  });

  it('has documented defaults', () => {
    expect(new RouteChatStore().limits).toEqual(DEFAULT_CHAT_LIMITS);
  });

  it.each([{ maxNotesPerLocation: 0 }, { maxLocations: -1 }, { maxMessageBytes: 1.5 }])('refuses limits %j', (limits) => {
    expect(() => new RouteChatStore(limits)).toThrow(RangeError);
  });
});
