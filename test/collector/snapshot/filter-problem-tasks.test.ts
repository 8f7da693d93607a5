import { problemTasks } from '../../../collector/src/snapshot/filter-problem-tasks';
import type { Task } from '../../../proto/generated/whystuck/v1/Task';

const t = (tid: number, tgid: number, ppid: number, state: string): Task => ({ tid, tgid, pid: tgid, ppid, state, comm: `c${tid}` });

describe('problems-only snapshots', () => {
  it('keep stuck tasks with their thread-group leader and parent, drop the rest', () => {
    const tasks = [
      t(1, 1, 0, 'S'),
      t(100, 100, 1, 'S'),
      t(101, 101, 100, 'Z'), // a zombie and its parent
      t(200, 200, 1, 'S'),
      t(201, 200, 1, 'D'), // a thread in D and its leader
      t(300, 300, 1, 'R'),
      t(301, 300, 1, 'S'), // healthy
      t(400, 400, 1, 'T'),
    ];
    expect(problemTasks(tasks).map((x) => x.tid)).toEqual([1, 100, 101, 200, 201, 400]);
  });
});
