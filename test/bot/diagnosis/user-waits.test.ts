import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createContext } from '../../../bot/src/diagnosis/context';
import { diagnose, RULES } from '../../../bot/src/diagnosis/engine';
import type { Finding, Remediation } from '../../../bot/src/diagnosis/finding';
import { inferFacts } from '../../../bot/src/diagnosis/infer';
import { killVerdict } from '../../../bot/src/diagnosis/kill-verdict';
import type { Rule } from '../../../bot/src/diagnosis/rule';
import { readUserWait } from '../../../bot/src/diagnosis/user-wait-sites';
import { emptyEvidence, newTask, pidOf, type Task } from '../../../bot/src/evidence/evidence';
import { parsePaste } from '../../../bot/src/paste/paste-reader';

const paste = (...lines: string[]): string => lines.join('\n');
const zombieOf = (fs: Finding[]): Finding | undefined => fs.find((f) => f.id === 'zombie');
const chld = (f: Finding | undefined): Remediation | undefined => f?.remediations.find((r) => r.signal === 'SIGCHLD');

const REAPER_BT = [
  '#0  0x00007fd1a1b8e1a3 in __GI___sigtimedwait (set=0x7ffd5b2c8e00, info=0x0, timeout=0x0) at ../sysdeps/unix/sysv/linux/sigtimedwait.c:29',
  '#1  0x00007fd1a1b8d8f0 in __sigwait (set=0x7ffd5b2c8e00, sig=0x7ffd5b2c8dfc) at sigwait.c:28',
  '#2  0x000055f1c0b0a123 in reap_children (sv=0x55f1c1d2e2a0) at supervisor.c:301',
  '#3  0x000055f1c0b0a456 in main (argc=1, argv=0x7ffd5b2c8f28) at supervisor.c:412',
];

describe('user-space waits: what the C library call a backtrace stops in waits for', () => {
  const f = (fn: string, args?: string): { fn: string; args?: string } => (args === undefined ? { fn } : { fn, args });
  it('reads waitpid, wait4 and waitid targets, WNOHANG, and skips system-call stubs', () => {
    expect(readUserWait([f('__syscall_cancel_arch'), f('__internal_syscall_cancel'), f('__GI___wait4', 'pid=pid@entry=77, stat_loc=0x0, options=options@entry=0, usage=0x0')])).toEqual({
      kind: 'child',
      fn: '__GI___wait4',
      pid: 77,
      forChild: true,
    });
    expect(readUserWait([f('waitid', 'idtype=P_PID, id=88, infop=0x7ffc, options=4')])).toMatchObject({ kind: 'child', pid: 88 });
    expect(readUserWait([f('__waitpid', 'pid=-1, stat_loc=0x0, options=1')])).toEqual({ kind: 'child', fn: '__waitpid', pid: -1, nohang: true });
    expect(readUserWait([f('pthread_cond_wait@@GLIBC_2.3.2', '')])?.kind).toBe('futex');
    expect(readUserWait([f('__GI___clock_nanosleep_time64', 'clock_id=0')])?.kind).toBe('sleep');
  });

  it('a signal wait is for a child only when its callers say so', () => {
    expect(readUserWait([f('do_sigwait', 'sig=0x1'), f('__GI___sigwait', 'set=0x2'), f('WaitForChild()', ''), f('main', '')])).toMatchObject({ kind: 'signal', forChild: true });
    expect(readUserWait([f('do_sigwait', 'sig=0x1'), f('signal_thread', 'arg=0x0')])).toEqual({ kind: 'signal', fn: 'do_sigwait' });
  });

  it('a task running its own code waits for nothing, even with a wait deeper in the stack', () => {
    expect(readUserWait([f('hash_block', 'p=0x1'), f('__libc_waitpid', 'pid=5, stat_loc=0x0, options=0')])).toBeUndefined();
    expect(readUserWait([])).toBeUndefined();
  });
});

describe('zombies whose parent is seen waiting for SIGCHLD', () => {
  it('parent-not-reaping, with kill -CHLD to the parent that works (everything observed) and never a button', () => {
    const ev = parsePaste(
      paste(
        '$ ps -o pid,ppid,stat,wchan:20,comm -p 4411,4470',
        '  PID  PPID STAT WCHAN                COMMAND',
        ' 4411     1 Ss   do_sigtimedwait      supervisor',
        ' 4470  4411 Z    -                    worker <defunct>',
        '$ gdb -p 4411 -batch -ex bt',
        ...REAPER_BT,
      ),
    );
    const z = zombieOf(diagnose(ev).findings);
    expect(z).toMatchObject({ kind: 'parent-not-reaping' });
    expect(z?.tasks).toEqual(expect.arrayContaining([expect.objectContaining({ pid: 4470, role: 'victim' }), expect.objectContaining({ pid: 4411, role: 'parent' })]));
    expect(chld(z)).toMatchObject({ action: 'manual', pid: 4411, signal: 'SIGCHLD', effective: 'yes', command: 'kill -CHLD 4411' });
    expect(z?.explanation).toMatch(/missed the SIGCHLD/);
    expect(z?.evidence.join('\n')).toMatch(/user-space stack of 4411: __GI___sigtimedwait \| __sigwait \| reap_children/);
  });

  it('a namespace init that waits for SIGCHLD reaps: parent-not-reaping, not missing-init; SIGTERM to it stays "no"', () => {
    const ev = parsePaste(
      paste(
        '$ cat /proc/4411/status',
        'Name:\tsupervisor',
        'State:\tS (sleeping)',
        'Tgid:\t4411',
        'Pid:\t4411',
        'PPid:\t4300',
        'NSpid:\t4411\t1',
        'SigCgt:\t0000000000000000',
        'SigIgn:\t0000000000000000',
        'SigBlk:\t0000000000010000',
        '$ ps -o pid,ppid,stat,comm --ppid 4411',
        '  PID  PPID STAT COMMAND',
        ' 4470  4411 Z    worker <defunct>',
        '$ gdb -p 4411 -batch -ex bt',
        ...REAPER_BT,
      ),
    );
    const z = zombieOf(diagnose(ev).findings);
    expect(z?.kind).toBe('parent-not-reaping');
    expect(chld(z)?.effective).toBe('yes');
    expect(z?.remediations.find((r) => r.signal === 'SIGTERM' && r.pid === 4411)?.effective).toBe('no');
  });

  it('the same init with no backtrace is still missing-init (the wait is what shows it reaps)', () => {
    const ev = parsePaste(
      paste(
        '$ cat /proc/4411/status',
        'Name:\tmyapp',
        'State:\tS (sleeping)',
        'Tgid:\t4411',
        'Pid:\t4411',
        'PPid:\t4300',
        'NSpid:\t4411\t1',
        '$ ps -o pid,ppid,stat,comm --ppid 4411',
        '  PID  PPID STAT COMMAND',
        ' 4470  4411 Z    worker <defunct>',
      ),
    );
    const z = zombieOf(diagnose(ev).findings);
    expect(z?.kind).toBe('missing-init');
    expect(chld(z)).toBeUndefined();
  });

  it('w1-07 (gdb backtraces and prose only): the waited-for pid is the parent, named; kill -CHLD offered but not "yes" on an inferred pid', () => {
    const dir = path.resolve(__dirname, '../../fixtures/corpus-world/w1-07-bazel-sandbox-pid1-sigwait-missed-sigchld');
    const ev = parsePaste(readFileSync(path.join(dir, 'input.txt'), 'utf8'));
    const z = zombieOf(diagnose(ev).findings);
    expect(z?.kind).toBe('parent-not-reaping');
    expect(z?.tasks).toEqual(
      expect.arrayContaining([expect.objectContaining({ pid: 9124, comm: 'linux-sandbox-pid1', role: 'parent' }), expect.objectContaining({ comm: 'linux-sandbox', role: 'waiter' })]),
    );
    const t = ev.tasks.find((x) => x.tid === 9124);
    expect(t?.provenance?.pid).toBe('derived');
    expect(chld(z)).toMatchObject({ pid: 9124, command: 'kill -CHLD 9124', effective: 'unknown' });
    expect(chld(z)?.why).toMatch(/inferred/);
  });

  it('two unnamed backtraces: nothing is guessed; the waited-for pid stays a placeholder', () => {
    const ev = parsePaste(
      paste(
        'a.cc:',
        '#0  0x00007f8c706faa0c in __libc_waitpid (pid=9124, stat_loc=0x7fffc2f6e658, options=0) at waitpid.c:31',
        '#1  0x000000000040339d in main ()',
        'b.cc:',
        '#0  do_sigwait (sig=0x7f8c7141cf5c, set=<optimized out>) at sigwait.c:63',
        '#1  0x0000000000409ec3 in WaitForChild() ()',
        'c.cc:',
        '#0  0x00007f1e3a1d3bbf in __GI___poll (fds=0x7f1e2cff8e40, nfds=1, timeout=-1) at poll.c:29',
      ),
    );
    diagnose(ev);
    expect(ev.tasks.find((t) => t.tid === 9124)?.placeholder).toBe('waited-child');
  });
});

describe('the kill verdict on SIGCHLD', () => {
  const ctxOf = (...tasks: Task[]): ReturnType<typeof createContext> => {
    const ev = emptyEvidence('paste');
    ev.tasks.push(...tasks);
    inferFacts(ev);
    return createContext(ev);
  };
  const reaper = (over: Partial<Task> = {}): Task => ({
    ...newTask(300, 'init'),
    pid: 300,
    state: 'S',
    userStack: [{ fn: 'sigwait' }, { fn: 'reap_zombies' }],
    userWait: { kind: 'signal', fn: 'sigwait', forChild: true },
    ...over,
  });

  it('is "yes" only for a live task seen waiting for it, on observed facts', () => {
    expect(killVerdict(reaper(), ctxOf(reaper()), 'SIGCHLD').effective).toBe('yes');
    for (const over of [
      { state: 'Z' },
      { state: 'D', wchan: 'request_wait_answer' },
      { state: 'T' },
      { exited: true },
      { isKernelThread: true },
      { placeholder: 'stated' as const },
      { provenance: { pid: 'derived' as const } },
      { provenance: { userStack: 'stated' as const } },
    ]) {
      const t = reaper(over);
      expect([over, killVerdict(t, ctxOf(t), 'SIGCHLD').effective]).toEqual([over, expect.stringMatching(/^(?:no|unknown)$/)]);
    }
    const plain: Task = { ...newTask(301, 'app'), pid: 301, state: 'S' };
    expect(killVerdict(plain, ctxOf(plain), 'SIGCHLD').effective).toBe('unknown');
    const ignores: Task = { ...plain, sigIgnored: '0000000000010000', sigCaught: '0' };
    expect(killVerdict(ignores, ctxOf(ignores), 'SIGCHLD').effective).toBe('no');
  });

  it('a rule cannot claim it: a SIGCHLD "yes" on a zombie is brought down to the verdict', () => {
    const liar: Rule = {
      id: 'stopped-task',
      run(ctx) {
        const remediations: Remediation[] = ctx.tasks
          .filter((t) => pidOf(t))
          .map((t) => ({
            action: 'manual',
            pid: pidOf(t),
            signal: 'SIGCHLD',
            effective: 'yes',
            risk: 'low',
            why: 'trust me',
            command: `kill -CHLD ${pidOf(t)}`,
          }));
        return [{ id: 'stopped-task', severity: 'info', confidence: 0.1, title: 'liar', explanation: 'claims everything works', evidence: [], tasks: [], remediations, references: [] }];
      },
    };
    const ev = parsePaste(paste('  PID  PPID STAT COMMAND', ' 4470  4411 Z    worker <defunct>'));
    const d = diagnose(ev, [...RULES, liar]);
    const said = d.findings.find((f) => f.title === 'liar')?.remediations.find((r) => r.pid === 4470);
    expect(said?.effective).toBe('no');
  });
});

describe('a backtrace named only by a label', () => {
  it("belongs to the one task of that name a listing shows (derived), so its wait is that task's", () => {
    const ev = parsePaste(
      paste('$ ps -o pid,ppid,stat,comm', '  PID  PPID STAT COMMAND', ' 4411     1 Ss   supervisor-main', ' 4470  4411 Z    worker <defunct>', '', 'supervisor-main-loop:', ...REAPER_BT),
    );
    const z = zombieOf(diagnose(ev).findings);
    const t = ev.tasks.find((x) => x.tid === 4411);
    expect(t?.userWait).toMatchObject({ kind: 'signal', forChild: true });
    expect(t?.provenance?.userStack).toBe('derived');
    expect(ev.tasks.filter((x) => x.userStack)).toHaveLength(1);
    expect(z?.kind).toBe('parent-not-reaping');
    // Whose stack it is was inferred: kill -CHLD is offered, not "yes".
    expect(chld(z)).toMatchObject({ pid: 4411, effective: 'unknown' });
  });
});
