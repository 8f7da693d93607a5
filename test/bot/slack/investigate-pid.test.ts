import type { CollectorPool } from '../../../bot/src/nodes/collector-pool';
import { investigateNode } from '../../../bot/src/conversation/investigate-node';
import { startHarness, type Harness } from '../../helpers/collector-harness';

/**
 * A pid question reads the whole node; a pid missing from that snapshot is
 * looked for once more before the answer says it is not on the machine (one
 * scan of a busy node can miss a process that lives on). A pid that is there
 * costs one snapshot.
 */
describe('a pid question: "not on this machine" only after a second look', () => {
  let harness: Harness;
  let snapshots = 0;
  let collectors: CollectorPool;
  beforeAll(async () => {
    harness = await startHarness();
    const client = harness.client('whystuck-bot');
    const counted = new Proxy(client, {
      get(target, key, receiver) {
        if (key === 'snapshot')
          return (...args: Parameters<typeof client.snapshot>) => {
            snapshots++;
            return client.snapshot(...args);
          };
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    collectors = {
      forNode: async () => ({ status: 'ok', client: counted, address: harness.address, where: harness.address }),
      nodes: async () => ({ nodes: ['node-a'], problems: [] }),
      close: () => undefined,
    } as unknown as CollectorPool;
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('a live pid: one snapshot, the answer about it', async () => {
    snapshots = 0;
    const inv = await investigateNode({ collectors }, 'node-a', { pid: process.pid });
    expect(inv.status).toBe('ok');
    expect(snapshots).toBe(1);
  });

  it('a pid that is not there: the whole node, then the pid itself asked for, then said plainly', async () => {
    snapshots = 0;
    // Above this machine's pid_max: no process can have it.
    const inv = await investigateNode({ collectors }, 'node-a', { pid: 4_194_305 });
    expect(inv).toMatchObject({ status: 'failed', stage: 'input', message: expect.stringMatching(/pid 4194305 is not on this machine \(it may have exited\) on node-a/) });
    expect(snapshots).toBe(2);
  });
});
