import { createWatchJournal } from '../../../collector/src/watch/journal';

describe('watch journal', () => {
  it('numbers events from 1, serves them after a sequence, and forgets the oldest past its capacity', () => {
    const j = createWatchJournal({ capacity: 3, hostname: 'n1', now: () => 42 });
    expect([j.lastSeq, j.oldestSeq, j.after(0, 10)]).toEqual([0, 1, []]);
    for (let i = 0; i < 5; i++) j.append({ heartbeat: { last_seq: i } });
    expect([j.lastSeq, j.oldestSeq]).toEqual([5, 3]);
    expect(j.after(0, 10).map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(j.after(3, 1).map((e) => e.seq)).toEqual([4]);
    expect(j.after(5, 10)).toEqual([]);
    expect(j.after(4, 10)[0]).toMatchObject({ journal_id: j.id, hostname: 'n1', at_unix_ms: 42 });
  });

  it('wakes a waiter on append, and times out otherwise', async () => {
    const j = createWatchJournal({ hostname: 'n1' });
    const woken = j.next(5000);
    j.append({ heartbeat: { last_seq: 0 } });
    await expect(woken).resolves.toBe(true);
    await expect(j.next(10)).resolves.toBe(false);
    expect(createWatchJournal({ hostname: 'n1' }).id).not.toBe(j.id);
  });
});
