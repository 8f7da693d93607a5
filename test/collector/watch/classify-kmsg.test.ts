import { createKmsgClassifier } from '../../../collector/src/watch/classify-kmsg';

const rec = (seq: number, text: string) => ({ seq, level: 3, facility: 0, monotonic_us: seq * 1000, wall_time_unix_ms: 1700000000000 + seq, text, continuation: [], caller: '' });

describe('kernel-log classification for watch mode', () => {
  it.each([
    ['INFO: task jbd2/rbd7-8:31337 blocked for more than 245 seconds.', { kind: 'hung-task', pid: 31337, comm: 'jbd2/rbd7-8' }],
    ['watchdog: BUG: soft lockup - CPU#3 stuck for 23s! [runc:[2:INIT]:4711]', { kind: 'soft-lockup', pid: 4711, comm: 'runc:[2:INIT]', target: 'cpu3' }],
    ['NMI watchdog: Watchdog detected hard LOCKUP on cpu 17', { kind: 'hard-lockup', target: 'cpu17' }],
    ['rcu: INFO: rcu_preempt self-detected stall on CPU', { kind: 'rcu-stall' }],
    ['unregister_netdevice: waiting for eth0 to become free. Usage count = 2', { kind: 'netdev-refcount', target: 'eth0' }],
    ['libceph: FULL or reached pool quota', { kind: 'storage-backend', detail: 'ceph-full' }],
    ['nfs: server filer-3.example not responding, still trying', { kind: 'storage-backend', detail: 'nfs-not-responding', target: 'filer-3.example' }],
    ['blk_update_request: I/O error, dev sdc, sector 1234 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 0', { kind: 'io-error', target: 'sdc' }],
  ])('%s', (text, expected) => {
    const r = createKmsgClassifier()(rec(5, text));
    expect(r).toMatchObject({ ...expected, kmsg_seq: 5, headline: text, wall_time_unix_ms: 1700000000005 });
  });

  it('names the pod of an OOM kill from the memcg line that precedes the victim', () => {
    const classify = createKmsgClassifier();
    const memcg = '/kubepods/burstable/pod0b1e4c1a-93a2-4f0e-8c49-5b4f54c1a2d7/4f1c9e2b7a0d3e8f1c2b5a6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f';
    expect(classify(rec(10, 'stress invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=999'))).toBeNull();
    expect(classify(rec(11, `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=x,mems_allowed=0,oom_memcg=${memcg},task_memcg=${memcg},task=stress,pid=4242,uid=0`))).toBeNull();
    expect(classify(rec(12, 'Memory cgroup out of memory: Killed process 4242 (stress) total-vm:1056028kB, anon-rss:31980kB'))).toMatchObject({
      kind: 'oom-kill',
      pid: 4242,
      comm: 'stress',
      detail: 'CONSTRAINT_MEMCG',
      pod_uid: '0b1e4c1a-93a2-4f0e-8c49-5b4f54c1a2d7',
      cgroup_path: memcg,
    });
    // a later, unrelated OOM does not inherit that memcg
    expect(classify(rec(400, 'Out of memory: Killed process 9 (java) total-vm:1kB'))).toMatchObject({ kind: 'oom-kill', pid: 9, pod_uid: '' });
  });

  it('ignores ordinary kernel chatter', () => {
    const classify = createKmsgClassifier();
    for (const t of ['EXT4-fs (sda1): mounted filesystem with ordered data mode', 'IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready', 'Call Trace:', ' schedule+0x3a/0xa0']) {
      expect(classify(rec(1, t))).toBeNull();
    }
  });
});
