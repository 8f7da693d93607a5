import type { StatedFact } from '../../../bot/src/evidence/evidence';
import { diagnose } from '../../../bot/src/diagnosis/engine';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { statedFacts } from '../../../bot/src/paste/prose-facts';

const facts = (s: string, lastCommand?: string): StatedFact[] => statedFacts(s, 7, { lastCommand });
const one = (s: string, kind: StatedFact['kind']): StatedFact | undefined => facts(s).find((f) => f.kind === kind);

describe('facts stated in sentences', () => {
  it('a kernel function named as the place a task waits', () => {
    expect(one('After the rollout the shim was stalled in the function zap_pid_ns_processes for hours.', 'wait-site')).toEqual(expect.objectContaining({ site: 'zap_pid_ns_processes', line: 7 }));
    expect(one('The writer (pid 20931) is blocked in rwsem_down_write_slowpath since 02:10', 'wait-site')).toEqual(expect.objectContaining({ site: 'rwsem_down_write_slowpath', pid: 20931 }));
    expect(one('the main process is in `do_exit` and never leaves', 'wait-site')).toEqual(expect.objectContaining({ site: 'do_exit' }));
    expect(one('`mysqld` got stuck in `nfs_wait_on_request` after the filer failover', 'wait-site')).toEqual(expect.objectContaining({ site: 'nfs_wait_on_request', comm: 'mysqld' }));
    // GCC clone suffixes stay part of the name.
    expect(one('the agent sleeps in do_poll.constprop.0 forever', 'wait-site')?.site).toBe('do_poll.constprop.0');
  });

  it('a known wait site without an underscore counts only when marked as code', () => {
    expect(one('the kubelet is stuck in `down` on every sync', 'wait-site')?.site).toBe('down');
    expect(one('the node is stuck in down state for an hour', 'wait-site')).toBeUndefined();
  });

  it('states: D, uninterruptible, zombie, defunct, tracing stop', () => {
    expect(one('Note that process 30120 is stuck in `D` state so strace shows nothing.', 'state')).toEqual(expect.objectContaining({ state: 'D', pid: 30120 }));
    expect(one('All the rsync workers went into uninterruptible sleep at once.', 'state')?.state).toBe('D');
    expect(one('our logrotate process becomes a zombie process (defunct)', 'zombie')).toEqual(expect.objectContaining({ state: 'Z', comm: 'logrotate' }));
    expect(one('In the end the process state was "Z" (zombie state).', 'zombie')?.state).toBe('Z');
    expect(one('both debuggers end up in the "t+" state', 'state')?.state).toBe('t');
    // The pid after "zombie" is the zombie's, not the one the sentence starts with.
    expect(one('The tracer, pid 2210, has no children left except the defunct process 2274.', 'zombie')?.pid).toBe(2274);
  });

  it('an inline ps row in backticks gives pid, comm, state and wait channel', () => {
    expect(one('The sidecar waits on `884120 cat D __access_remote_vm` since the mount froze:', 'wait-site')).toEqual(
      expect.objectContaining({ pid: 884120, comm: 'cat', state: 'D', site: '__access_remote_vm' }),
    );
  });

  it('signals that do not work', () => {
    expect(one('kill -9 does nothing, the process is still there', 'kill-ineffective')).toBeDefined();
    expect(one('Sending SIGKILL has no effect on it.', 'kill-ineffective')).toBeDefined();
    expect(one('The container cannot be killed, even by docker kill.', 'kill-ineffective')).toBeDefined();
    expect(one('I tried kill -9 40112 and it did not work', 'kill-ineffective')?.pid).toBe(40112);
    expect(one('Dozens of tasks hung and could not be killed (not even `kill -9`).', 'kill-ineffective')).toBeDefined();
  });

  it('load with idle CPUs', () => {
    expect(one('The box shows a load of 48 with the CPUs idle and no iowait.', 'load-idle')?.load).toBe(48);
    expect(one('wedging the host: load average ~61 while the CPU was ~99% idle', 'load-idle')?.load).toBe(61);
    expect(one('The cpu load suddenly rose to 35-40, and the cpu usage dropped to 0.', 'load-idle')?.load).toBe(35);
    expect(one('load average is 4 and the CPUs are busy compiling', 'load-idle')).toBeUndefined();
  });

  it('a pod stuck Terminating, a command that hangs, an OOM', () => {
    expect(one('The statefulset pod has been stuck in Terminating for two days.', 'terminating')).toBeDefined();
    expect(one('Since the upgrade the pod remains in a terminating state forever', 'terminating')).toBeDefined();
    expect(one('`crictl inspect 5c1f` hangs as well', 'hang')).toEqual(expect.objectContaining({ comm: 'crictl' }));
    expect(one('process 7712 hangs whenever the share goes away', 'hang')).toEqual(expect.objectContaining({ pid: 7712 }));
    expect(facts('... (hung) ...', 'docker inspect 4f2a9c')).toEqual([expect.objectContaining({ kind: 'hang', comm: 'docker' })]);
    expect(one('The importer was OOM killed twice last night.', 'oom')).toBeDefined();
    // The hung-task detector's words, said in prose.
    expect(one('`flushd` (pid 3310) was reported by the kernel hung_task detector', 'hang')).toEqual(expect.objectContaining({ pid: 3310, comm: 'flushd' }));
    expect(one('every writer blocked for more than 120 seconds', 'hang')).toBeDefined();
  });

  it('headings, bullets and quotes are prose too', () => {
    expect(one('# Workers stalled in zap_pid_ns_processes after node drain', 'wait-site')?.site).toBe('zap_pid_ns_processes');
    expect(one('- kill -9 has no effect on the defunct children', 'kill-ineffective')).toBeDefined();
    expect(one('> the **scanner** process is in `D` state', 'state')).toEqual(expect.objectContaining({ state: 'D', comm: 'scanner' }));
    expect(one('1. the pod is stuck in `Terminating`', 'terminating')).toBeDefined();
  });

  it('hypotheses and negations state nothing', () => {
    expect(facts('NFS can lead to "D" (uninterruptible sleep) if the server goes away.').filter((f) => f.kind === 'state')).toEqual([]);
    expect(facts('The process was not in D state when we looked.')).toEqual([]);
    expect(facts("The container wasn't OOM killed, it simply hung.").filter((f) => f.kind === 'oom')).toEqual([]);
    expect(facts('It is not stuck in rwsem_down_read_slowpath any more.')).toEqual([]);
    expect(facts('If it were blocked in fuse_flush we would see it in the stack.')).toEqual([]);
    // A pod in "zombie state" is a pod, not a process.
    expect(facts('A pod went into zombie state (unknown) after its node died.')).toEqual([]);
  });

  it('prose that states nothing is not a fact', () => {
    expect(facts('Thanks for looking into this, happy to provide more logs.')).toEqual([]);
    expect(facts('We upgraded the cluster to 1.29 last week.')).toEqual([]);
    expect(facts('hung')).toEqual([]);
  });
});

describe('prose in a paste', () => {
  it('becomes stated facts with their line numbers; prose that states nothing stays unrecognised', () => {
    const ev = parsePaste(
      [
        'Hi team,',
        'our ingest pod is stuck in Terminating since Monday.',
        'The worker (pid 51873) is blocked in rwsem_down_read_slowpath and kill -9 does nothing.',
        'Any idea what to look at next?',
      ].join('\n'),
    );
    expect(ev.stated).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'terminating', line: 2 }),
        expect.objectContaining({ kind: 'wait-site', line: 3, pid: 51873, site: 'rwsem_down_read_slowpath' }),
        expect.objectContaining({ kind: 'kill-ineffective', line: 3 }),
      ]),
    );
    const unread = ev.inputs.filter((i) => i.kind === 'unrecognised').flatMap((i) => i.lines);
    expect(unread).toContain(1);
    expect(unread).toContain(4);
    expect(ev.inputs.filter((i) => i.kind === 'prose').flatMap((i) => i.lines)).toEqual([2, 3]);
  });

  it('a stated fact never makes a signal "effective"', () => {
    const d = diagnose(parsePaste(['The app (pid 9001) is stuck in `D` state and SIGKILL has no effect.', 'Its parent 9000 is a zombie.', 'the shim is in zap_pid_ns_processes'].join('\n')));
    for (const f of d.findings) for (const r of f.remediations) if (r.signal) expect(r.effective).not.toBe('yes');
  });
});
