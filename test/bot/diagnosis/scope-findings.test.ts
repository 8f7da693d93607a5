import { diagnose } from '../../../bot/src/diagnosis/engine';
import { scopeDiagnosis } from '../../../bot/src/diagnosis/scope-findings';
import { evidenceFromSnapshot } from '../../../bot/src/evidence/from-snapshot';
import type { Task } from '../../../proto/generated/whystuck/v1/Task';

const POD = '6f1c2a4e-7d39-4a1b-9d3e-0c2b9a1f5e77';
const task = (t: Partial<Task>): Task => ({ tgid: t.pid, tid: t.pid, is_thread_group_leader: true, start_time_ticks: 1000, ...t });
const frames = (...fns: string[]) => fns.map((f) => ({ function: f }));

/** A node with a zombie pod, and, elsewhere on it, killed tasks stuck behind a FUSE daemon that never answers. */
function node() {
  return evidenceFromSnapshot({
    node: { hostname: 'node-a' },
    tasks: [
      task({ pid: 1, ppid: 0, comm: 'systemd', state: 'S' }),
      task({ pid: 3000, ppid: 1, comm: 'supervisor', state: 'S', wchan: 'do_select', pod_uid: POD, stack_read: true, stack: frames('do_select', 'core_sys_select') }),
      task({ pid: 3011, ppid: 3000, comm: 'curl', state: 'Z', pod_uid: POD, pod_attribution: 'parent' }),
      task({ pid: 3012, ppid: 3000, comm: 'curl', state: 'Z', pod_uid: POD, pod_attribution: 'parent' }),
      task({
        pid: 7001,
        ppid: 1,
        comm: 'stat',
        state: 'D',
        wchan: 'request_wait_answer',
        sig_pending: '0000000000000100',
        stack_read: true,
        stack: frames('request_wait_answer', 'fuse_simple_request', 'fuse_lookup_name'),
      }),
      task({
        pid: 7002,
        ppid: 1,
        comm: 'stat',
        state: 'D',
        wchan: 'request_wait_answer',
        sig_pending: '0000000000000100',
        stack_read: true,
        stack: frames('request_wait_answer', 'fuse_simple_request', 'fuse_lookup_name'),
      }),
    ],
  });
}

describe('scoping a diagnosis to one pod', () => {
  it("leads with the pod's own findings; a node-wide fault elsewhere follows as context", () => {
    const ev = node();
    const whole = diagnose(ev);
    expect(whole.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['zombie', 'storage-backend-fault']));
    const scoped = scopeDiagnosis(ev, whole, { podUid: POD });
    if (scoped.status !== 'ok') throw new Error(scoped.message);
    expect(scoped.diagnosis.findings[0].id).toBe('zombie');
    expect(scoped.diagnosis.summary).toMatch(/zombie/i);
    expect(scoped.diagnosis.findings.map((f) => f.id)).toContain('storage-backend-fault');
  });

  it('a pod that is not on the node is said to be missing, with the pods that are', () => {
    const ev = node();
    const scoped = scopeDiagnosis(ev, diagnose(ev), { podUid: 'ffff' });
    expect(scoped).toEqual({ status: 'not-found', message: `no tasks of pod ffff on this machine (pods here: ${POD})` });
  });
});

describe('scoping to a pid a snapshot does not hold', () => {
  it('says the snapshot is incomplete when the task scan stalled, rather than that the pid is gone', () => {
    const ev = evidenceFromSnapshot({
      tasks: [task({ pid: 1, ppid: 0, comm: 'systemd', state: 'S' })],
      read_problems: [{ path: '/proc/4242/task/4242', reason: 'timed-out', detail: 'the task scan stalled here; tasks after it are missing from this snapshot', tried_ms: 3000, pid: 4242, tid: 4242 }],
    });
    const scoped = scopeDiagnosis(ev, diagnose(ev), { pid: 5000 });
    expect(scoped.status === 'not-found' && scoped.message).toMatch(/pid 5000 is not in this snapshot, which is incomplete \(.*the task scan stalled here.*\); ask again/);
    const whole = evidenceFromSnapshot({ tasks: [task({ pid: 1, ppid: 0, comm: 'systemd', state: 'S' })] });
    const gone = scopeDiagnosis(whole, diagnose(whole), { pid: 5000 });
    expect(gone.status === 'not-found' && gone.message).toBe('pid 5000 is not on this machine (it may have exited)');
  });
});
