import type { TaskTable } from '../../../collector/src/procfs/task-scanner';
import { isShimComm, TASK_KTHREAD, TASK_LEADER, TASK_NS_INIT, TASK_SHIM_COMM } from '../../../collector/src/procfs/raw-task';
import { taskCodec } from '../../../collector/src/proto/snapshot-codec';
import { firstProcesses, shimCandidates } from '../../../collector/src/runtime/runtime-pids';
import { servedId } from '../../../collector/src/runtime/read-shims';

interface Row {
  tgid: number;
  ppid: number;
  comm: string;
  container?: string;
  bits?: number;
  tid?: number;
}

/** A task table as the scanner hands it over: columns plus each task's encoded message. */
function table(rows: Row[]): TaskTable {
  const pods = [...new Set(rows.map((r) => r.container).filter(Boolean))].map((c) => ({ uid: `pod-of-${c}`, containerId: c as string, runtime: 'containerd', qos: 'burstable' }));
  const bytes = rows.map((r) => taskCodec().encode({ pid: r.tgid, tid: r.tid ?? r.tgid, tgid: r.tgid, ppid: r.ppid, comm: r.comm, state: 'S' }));
  return {
    count: rows.length,
    tid: Int32Array.from(rows.map((r) => r.tid ?? r.tgid)),
    tgid: Int32Array.from(rows.map((r) => r.tgid)),
    ppid: Int32Array.from(rows.map((r) => r.ppid)),
    pidNs: new Float64Array(rows.length),
    state: Uint8Array.from(rows.map(() => 'S'.charCodeAt(0))),
    // as the scan sets them: a leader with a shim's comm is marked
    bits: Uint8Array.from(rows.map((r) => (r.bits ?? TASK_LEADER) | ((r.bits ?? TASK_LEADER) & TASK_LEADER && isShimComm(r.comm) ? TASK_SHIM_COMM : 0))),
    pod: Int32Array.from(rows.map((r) => (r.container ? pods.findIndex((p) => p.containerId === r.container) : -1))),
    freezer: new Int32Array(rows.length).fill(-1),
    pods,
    paths: [],
    bytes: (i) => bytes[i],
  };
}

describe("containers' first processes and the runtime's shims, from the task table", () => {
  const t = table([
    { tgid: 1, ppid: 0, comm: 'systemd' },
    { tgid: 2, ppid: 0, comm: 'kthreadd', bits: TASK_LEADER | TASK_KTHREAD },
    { tgid: 800, ppid: 1, comm: 'containerd-shim' },
    { tgid: 801, ppid: 1, comm: 'containerd-shim' }, // its containers are gone
    { tgid: 900, ppid: 1, comm: 'conmon' },
    { tgid: 810, ppid: 800, comm: 'pause', container: 'sb1', bits: TASK_LEADER | TASK_NS_INIT },
    { tgid: 820, ppid: 800, comm: 'nginx', container: 'c1', bits: TASK_LEADER | TASK_NS_INIT },
    { tgid: 821, ppid: 820, comm: 'nginx', container: 'c1' },
    { tgid: 821, tid: 822, ppid: 820, comm: 'nginx', container: 'c1', bits: 0 }, // a thread
    // c2: its first process gone, a task it left behind now belongs to the sandbox's init
    { tgid: 830, ppid: 810, comm: 'cat', container: 'c2' },
    { tgid: 910, ppid: 900, comm: 'app', container: 'c3' },
  ]);

  it('takes, per container, the process whose parent is outside the container (a namespace init first)', () => {
    expect(Object.fromEntries(firstProcesses(t))).toEqual({
      sb1: { pid: 810, ppid: 800 },
      c1: { pid: 820, ppid: 800 },
      c2: { pid: 830, ppid: 810 },
      c3: { pid: 910, ppid: 900 },
    });
  });

  it('shim candidates: the parents of those processes; on a whole node also shims without containers', () => {
    const first = firstProcesses(t);
    expect(Object.fromEntries(shimCandidates(t, first, false))).toEqual({ 800: [810, 820], 810: [830], 900: [910] });
    expect(Object.fromEntries(shimCandidates(t, first, true))).toEqual({ 800: [810, 820], 810: [830], 900: [910], 801: [] });
  });

  it("shims' comms: containerd's (cut to 15 characters) and CRI-O's conmon, nothing else", () => {
    expect(['containerd-shim', 'containerd-shim-runc-v2', 'conmon'].map(isShimComm)).toEqual([true, true, true]);
    expect(['containerd', 'conmon-rs', 'runc', 'shim', ''].map(isShimComm)).toEqual([false, false, false, false, false]);
  });

  it('the id a shim serves, from its argv', () => {
    expect(servedId(['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', 'abc', '-address', '/run/containerd/containerd.sock'])).toBe('abc');
    expect(servedId(['/usr/bin/conmon', '-b', '/x', '-c', 'def', '--cuuid', 'u'])).toBe('def');
    expect(servedId(['/usr/bin/conmon', '--cid=ghi'])).toBe('ghi');
    expect(servedId(['/usr/bin/conmon', '--cid', 'jkl'])).toBe('jkl');
    expect(servedId(['/usr/bin/containerd-shim-runc-v2', '-id'])).toBe('');
  });
});
