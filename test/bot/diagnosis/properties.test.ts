import { diagnose } from '../../../bot/src/diagnosis/engine';
import type { Diagnosis, Remediation } from '../../../bot/src/diagnosis/finding';
import { pidOf, type Evidence, type Task } from '../../../bot/src/evidence/evidence';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { loadCases } from '../../helpers/bot/corpus-cases';
import { isSkip, variantsOf } from '../../helpers/bot/paste-variants';

/**
 * Issue 13, safety: over every case and every variant of it, no remediation
 * says SIGKILL or SIGTERM is `effective: "yes"` for a task the kernel will not
 * end with it. The tasks are judged from the diagnosis' own evidence (the
 * parsePaste result), with the kernel's rules written out here, independently
 * of the kill verdict under test.
 */

const PF_EXITING = 0x4;
const PF_KTHREAD = 0x200000;
const SIGTERM_BIT = 1n << 14n;

const hasBit = (mask: string | undefined, bit: bigint): boolean | undefined => (mask && /^[0-9a-f]+$/i.test(mask) ? (BigInt(`0x${mask}`) & bit) !== 0n : undefined);

/** The wait sites a task shows: its stack's function names and its wait channel (cut, when ps cut it). */
function sites(t: Task): { fns: string[]; wchan?: string; cut: boolean } {
  return { fns: (t.stack ?? []).filter((f) => !f.unreliable).map((f) => f.fn.replace(/\.(?:isra|constprop|part|cold)\.\d+$/, '')), wchan: t.wchan, cut: t.wchanWidth !== undefined };
}

/** Some frame or the wait channel is one of `names` (a cut wait channel matches by prefix). */
function waitsIn(t: Task, names: RegExp): boolean {
  const s = sites(t);
  if (s.fns.some((f) => names.test(f))) return true;
  if (!s.wchan) return false;
  if (names.test(s.wchan)) return true;
  return s.cut && s.wchan.length >= 3 && EXAMPLES.some((full) => names.test(full) && full.startsWith(s.wchan!));
}

/** Full names a cut wait channel can stand for (ps -l prints 6 characters). */
const EXAMPLES = ['__refrigerator', 'refrigerator', 'do_freezer_trap', 'cgroup_enter_frozen', 'zap_pid_ns_processes', 'do_exit'];

const V1_FROZEN = /^(?:__refrigerator|refrigerator)$/;
const V2_FROZEN = /^(?:do_freezer_trap|cgroup_enter_frozen)$/;
const EXIT_PATH = /^(?:do_exit|do_group_exit|zap_pid_ns_processes)$/;
/** TASK_KILLABLE sleeps, and memory-cgroup charge/reclaim (it checks for a fatal signal and gives up). */
const KILLABLE =
  /killable|^(?:try_charge\w*|__?mem_cgroup_\w*charge\w*|mem_cgroup_handle_oom|mem_cgroup_oom_synchronize|try_to_free_mem_cgroup_pages|do_try_to_free_pages|shrink_\w+|reclaim_high|mem_cgroup_handle_over_high)$/;

/** How a task is frozen: 1 (v1 freezer: no signal acts until thawed), 2 (v2: fatal signals still act), or not at all. */
function frozen(t: Task, ev: Evidence): 1 | 2 | null {
  if (waitsIn(t, V2_FROZEN)) return 2;
  if (waitsIn(t, V1_FROZEN)) return 1;
  if (t.freezerState === 'FROZEN') return 1;
  const cg = ev.node.freezers.find(
    (f) =>
      f.state === 'FROZEN' &&
      ((t.podUid !== undefined && f.podUid === t.podUid) || (t.cgroupPath !== undefined && t.cgroupPath !== '' && (f.path.endsWith(t.cgroupPath) || t.cgroupPath.startsWith(f.path)))),
  );
  if (!cg) return null;
  return cg.version === 2 ? 2 : 1;
}

const dead = (t: Task): boolean => t.state === 'Z' || t.state === 'X';

/** Why the kernel would not end process `pid` on `signal`, from the evidence; [] when nothing forbids it. */
function whyItCannotWork(ev: Evidence, r: Remediation): string[] {
  const pid = r.pid!;
  const tasks = ev.tasks.filter((t) => pidOf(t) === pid || t.tid === pid);
  const leader = tasks.find((t) => t.tid === pid) ?? tasks[0];
  if (!leader) return [];
  const signal = r.signal!;
  const why: string[] = [];
  const who = `${leader.comm} (${pid})`;

  if (leader.isKernelThread || leader.ppid === 2 || leader.tid === 2 || (leader.flags !== undefined && (leader.flags & PF_KTHREAD) !== 0)) {
    why.push(`${who} is a kernel thread`);
  }
  if (pid === 1) why.push(`${who} is pid 1: an init ignores signals it has no handler for, SIGKILL included from its own namespace`);
  const nsInit = leader.isPidNsInit === true || (leader.nsPid !== undefined && leader.nsPid.length > 1 && leader.nsPid[leader.nsPid.length - 1] === 1);
  if (nsInit && signal === 'SIGTERM' && hasBit(leader.sigCaught, SIGTERM_BIT) !== true) {
    why.push(`${who} is a PID-namespace init with no SIGTERM handler shown: the kernel drops SIGTERM for it`);
  }

  if (dead(leader)) {
    const threads = tasks.filter((t) => t !== leader);
    const live = threads.filter((t) => !dead(t));
    const counted = leader.numThreads !== undefined ? leader.numThreads - 1 : 0;
    if (!live.length && counted <= 0) why.push(`${who} is a zombie: it is already dead`);
    else if (live.length < counted) why.push(`${who} is a zombie whose ${counted} live thread(s) are not all shown: whether they act on a signal is unknown`);
  } else if (leader.exited || (leader.flags !== undefined && (leader.flags & PF_EXITING) !== 0) || waitsIn(leader, EXIT_PATH)) {
    why.push(`${who} is exiting: a signal does not hurry an exit`);
  }

  for (const t of tasks) {
    if (dead(t)) continue;
    const name = t === leader ? who : `thread ${t.tid} of ${who}`;
    const f = frozen(t, ev);
    if (f === 1) why.push(`${name} is frozen by the v1 freezer: no signal acts until it is thawed`);
    if (f === 2 && signal === 'SIGTERM' && hasBit(leader.sigCaught, SIGTERM_BIT) !== false) {
      why.push(`${name} is frozen by the v2 freezer: only a fatal signal acts, and SIGTERM is not known to be fatal to it`);
    }
    if (t.state === 'D' && f === null && !waitsIn(t, KILLABLE)) {
      const site = sites(t).fns[0] ?? t.wchan;
      why.push(`${name} is in D ${site ? `in ${site}, not a killable wait` : 'in an unknown wait'}: it does not look at signals until the wait ends`);
    }
  }
  return why;
}

/** What a verdict of "yes" would rest on that is not observed (a stated, placeholder or absent task), or a signal a stopped or ignoring task will not act on. */
function unobservedOrWrongSignal(ev: Evidence, r: Remediation): string[] {
  const pid = r.pid;
  if (pid === undefined) return [`${r.signal} without a pid`];
  const tasks = ev.tasks.filter((t) => pidOf(t) === pid || t.tid === pid);
  const leader = tasks.find((t) => t.tid === pid) ?? tasks[0];
  if (!leader) return [`${r.signal} on ${pid}, a pid no task of the evidence has`];
  const why: string[] = [];
  if (leader.placeholder) why.push(`${pid} is known only as a ${leader.placeholder}`);
  if (leader.provenance?.state === 'stated') why.push(`the state of ${pid} is only stated in prose`);
  if (r.signal === 'SIGTERM' && (leader.state === 'T' || leader.state === 't')) why.push(`${pid} is stopped: SIGTERM stays pending until it is continued`);
  if (r.signal === 'SIGTERM' && hasBit(leader.sigIgnored, SIGTERM_BIT)) why.push(`${pid} ignores SIGTERM (SigIgn)`);
  return why;
}

const ENDING = new Set(['SIGKILL', 'SIGTERM']);

function violations(ev: Evidence, d: Diagnosis, check: (ev: Evidence, r: Remediation) => string[]): string[] {
  const out: string[] = [];
  for (const f of d.findings) {
    for (const r of f.remediations) {
      if (!r.signal || !ENDING.has(r.signal) || r.effective !== 'yes') continue;
      for (const why of check(ev, r)) out.push(`${f.id}: ${r.signal} "yes" on ${r.pid}, but ${why}`);
    }
  }
  return [...new Set(out)];
}

const inputs = loadCases().flatMap((c) => [[c.name, 'original', c.input] as const, ...variantsOf(c).flatMap(({ name, outcome }) => (isSkip(outcome) ? [] : [[c.name, name, outcome.text] as const]))]);
const diagnosed = new Map<string, { ev: Evidence; d: Diagnosis }>();
function run(key: string, text: string): { ev: Evidence; d: Diagnosis } {
  let r = diagnosed.get(key);
  if (!r) {
    const ev = parsePaste(text);
    diagnosed.set(key, (r = { ev, d: diagnose(ev) }));
  }
  return r;
}

describe('no signal is promised to end a task the kernel will not end with it', () => {
  it.each(inputs)('%s, %s', (name, variant, text) => {
    const { ev, d } = run(`${name}|${variant}`, text);
    expect(violations(ev, d, whyItCannotWork)).toEqual([]);
  });
});

describe('a signal verdict rests on observed facts, and SIGTERM only where it is acted on', () => {
  it.each(inputs)('%s, %s', (name, variant, text) => {
    const { ev, d } = run(`${name}|${variant}`, text);
    expect(violations(ev, d, unobservedOrWrongSignal)).toEqual([]);
  });
});

describe('the property checks themselves', () => {
  const task = (t: Partial<Task>): Task => ({ tid: 100, pid: 100, comm: 'x', missing: [], lines: [], ...t });
  const ev = (tasks: Task[], freezers: Evidence['node']['freezers'] = []): Evidence => {
    const e = parsePaste('');
    e.tasks = tasks;
    e.node.freezers = freezers;
    return e;
  };
  const kill = (signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Remediation => ({ action: 'signal', pid: 100, signal, effective: 'yes', risk: 'medium', why: 'test' });
  const frame = (fn: string) => ({ fn, offset: '', module: '', unreliable: false });

  it('forbids "yes" on a zombie, but not on a zombie leader whose threads are shown running', () => {
    expect(whyItCannotWork(ev([task({ state: 'Z' })]), kill())).toHaveLength(1);
    expect(whyItCannotWork(ev([task({ state: 'Z', numThreads: 3 })]), kill())).toHaveLength(1);
    expect(whyItCannotWork(ev([task({ state: 'Z', numThreads: 2 }), task({ tid: 101, state: 'R' })]), kill())).toEqual([]);
    expect(whyItCannotWork(ev([task({ state: 'Z', numThreads: 2 }), task({ tid: 101, state: 'D', wchan: 'wait_on_page_bit_common' })]), kill())).toHaveLength(1);
  });

  it('knows killable waits, cut wait channels and both freezers', () => {
    expect(whyItCannotWork(ev([task({ state: 'D', stack: [frame('rpc_wait_bit_killable')] })]), kill())).toEqual([]);
    expect(whyItCannotWork(ev([task({ state: 'D', stack: [frame('request_wait_answer')] })]), kill())).toHaveLength(1);
    expect(whyItCannotWork(ev([task({ state: 'D' })]), kill())).toHaveLength(1);
    expect(whyItCannotWork(ev([task({ state: 'D', wchan: '__refr', wchanWidth: 6 })]), kill())).toHaveLength(1);
    expect(whyItCannotWork(ev([task({ state: 'S', stack: [frame('do_freezer_trap')] })]), kill())).toEqual([]);
    expect(whyItCannotWork(ev([task({ state: 'S', stack: [frame('do_freezer_trap')] })]), kill('SIGTERM'))).toHaveLength(1);
    expect(whyItCannotWork(ev([task({ state: 'S', podUid: 'u' })], [{ path: '/p', podUid: 'u', state: 'FROZEN', version: 1 }]), kill())).toHaveLength(1);
  });

  it('forbids "yes" on kernel threads, exiting tasks, pid 1, and SIGTERM on a namespace init without a handler', () => {
    expect(whyItCannotWork(ev([task({ state: 'S', ppid: 2 })]), kill())).toHaveLength(1);
    expect(whyItCannotWork(ev([task({ state: 'S', stack: [frame('do_wait'), frame('zap_pid_ns_processes'), frame('do_exit')] })]), kill())).toHaveLength(1);
    expect(whyItCannotWork(ev([task({ tid: 1, pid: 1, state: 'S' })]), { ...kill(), pid: 1 })).toHaveLength(1);
    expect(whyItCannotWork(ev([task({ state: 'S', nsPid: [100, 1] })]), kill('SIGTERM'))).toHaveLength(1);
    expect(whyItCannotWork(ev([task({ state: 'S', nsPid: [100, 1], sigCaught: '0000000000004000' })]), kill('SIGTERM'))).toEqual([]);
    // From the host's namespace SIGKILL reaches a live namespace init.
    expect(whyItCannotWork(ev([task({ state: 'S', nsPid: [100, 1] })]), kill())).toEqual([]);
  });
});
