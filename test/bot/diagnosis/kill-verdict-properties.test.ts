import { createContext } from '../../../bot/src/diagnosis/context';
import { diagnose, RULES } from '../../../bot/src/diagnosis/engine';
import type { Diagnosis, Remediation } from '../../../bot/src/diagnosis/finding';
import { killVerdict, signalRemediation } from '../../../bot/src/diagnosis/kill-verdict';
import type { Rule } from '../../../bot/src/diagnosis/rule';
import { waitSignature } from '../../../bot/src/diagnosis/wait-signature';
import { emptyEvidence, pidOf, type Evidence, type Frame, type Task } from '../../../bot/src/evidence/evidence';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { loadCases } from '../../helpers/bot/corpus-cases';

/**
 * The kill verdict is the only authority on whether a signal works. Over
 * every corpus case and over generated evidence — with a rule added that
 * claims every signal works on every task — no remediation says
 * `effective: "yes"` for SIGKILL/SIGTERM on a zombie, a task in a
 * non-killable D wait, an exiting task, a task held by the v1 freezer, a
 * kernel thread, nor SIGTERM on a namespace init without a handler; and no
 * "yes" rests on placeholder, stated or derived facts alone.
 */

const SIGTERM_BIT = 1n << 14n;
const hasBit = (mask: string | undefined, bit: bigint): boolean | undefined => (mask === undefined || !/^[0-9a-f]+$/i.test(mask) ? undefined : (BigInt(`0x${mask}`) & bit) !== 0n);

/** A rule that claims every signal works on every task: the engine must not let it. */
const liar: Rule = {
  id: 'stopped-task',
  run(ctx) {
    const remediations: Remediation[] = [];
    for (const t of ctx.tasks) {
      for (const signal of ['SIGKILL', 'SIGTERM', 'SIGCONT'] as const) {
        remediations.push({ action: 'signal', pid: pidOf(t) || undefined, signal, effective: 'yes', risk: 'low', why: 'trust me', command: `kill -${signal} ${pidOf(t)}`, comm: t.comm });
      }
    }
    // Through the sanctioned helper too, asking for the most permissive verdict.
    for (const t of ctx.tasks) remediations.push(signalRemediation(t, ctx, 'SIGTERM', 'low', { endsProblem: true, because: 'ending it ends the problem' }));
    return [{ id: 'stopped-task', severity: 'info', confidence: 0.1, title: 'liar', explanation: 'claims everything works', evidence: [], tasks: [], remediations, references: [] }];
  },
};

/** Why a "yes" for this signal on this pid breaks the safety rules, or null. */
function violation(ev: Evidence, r: Remediation): string | null {
  if (r.action !== 'signal' || r.effective !== 'yes' || (r.signal !== 'SIGKILL' && r.signal !== 'SIGTERM')) return null;
  if (!r.pid) return `${r.signal} "yes" without a pid`;
  const group = ev.tasks.filter((t) => pidOf(t) === r.pid || t.tid === r.pid);
  const t = group.find((x) => x.tid === r.pid) ?? group[0];
  if (!t) return `${r.signal} "yes" on pid ${r.pid}, which is not in the evidence`;
  const what = `${r.signal} "yes" on ${t.comm}:${r.pid}`;
  if (t.placeholder) return `${what}, a placeholder (${t.placeholder})`;
  if (t.isKernelThread || t.ppid === 2 || t.tid === 2) return `${what}, a kernel thread`;
  const live = group.filter((x) => x !== t && x.state !== 'Z' && x.state !== 'X' && !x.placeholder && !x.provenance?.state);
  const liveByCount = t.numThreads !== undefined && t.numThreads > 1 && !t.provenance?.numThreads;
  if ((t.state === 'Z' || t.state === 'X') && !live.length && !liveByCount) return `${what}, a zombie with no live thread seen`;
  if (t.state !== 'Z' && t.state !== 'X') {
    if (t.exited || (t.flags !== undefined && (t.flags & 0x4) !== 0) || t.stack?.some((f) => !f.unreliable && f.fn === 'do_exit')) return `${what}, an exiting task`;
  }
  for (const x of [t, ...group.filter((g) => g !== t && g.state === 'D')]) {
    const s = waitSignature(x);
    if (x.state === 'D' && !s.killable && s.category !== 'reclaim') return `${what}: ${x.comm}:${x.tid} is in a non-killable D wait (${s.site || '?'})`;
  }
  // __refrigerator is where the v1 freezer holds a task; do_freezer_trap is v2's (fatal signals pass).
  const v2 = t.stack?.some((f) => f.fn === 'do_freezer_trap');
  if (t.stack?.some((f) => f.fn === '__refrigerator')) return `${what}, held by the v1 freezer (__refrigerator)`;
  const v2Node = ev.node.freezers.some((f) => f.state === 'FROZEN' && f.version === 2) && !ev.node.freezers.some((f) => f.state === 'FROZEN' && f.version === 1);
  if (createContext(ev).isFrozen(t) && !v2 && !v2Node) return `${what}, in a frozen cgroup that is not shown to be v2`;
  if (r.signal === 'SIGTERM') {
    const nsInit = t.isPidNsInit || (t.nsPid && t.nsPid.length > 1 && t.nsPid[t.nsPid.length - 1] === 1) || pidOf(t) === 1;
    const caught = hasBit(t.sigCaught, SIGTERM_BIT);
    if (nsInit && !caught) return `${what}, a PID-namespace init without a SIGTERM handler`;
    if (caught === undefined) return `${what}, whose SIGTERM disposition was never read`;
    if (caught || hasBit(t.sigIgnored, SIGTERM_BIT)) return `${what}, which catches or ignores SIGTERM`;
  }
  const facts = (['state', 'stack', 'wchan'] as const).filter((f) => t[f] !== undefined);
  if (facts.length && facts.every((f) => t.provenance?.[f])) return `${what}, resting on ${facts.map((f) => `${f} ${t.provenance![f]}`).join(', ')} alone`;
  if (t.provenance?.pid) return `${what}, whose pid was ${t.provenance.pid}`;
  return null;
}

function violations(ev: Evidence, d: Diagnosis): string[] {
  return d.findings.flatMap((f) =>
    f.remediations
      .map((r) => violation(ev, r))
      .filter((v): v is string => v !== null)
      .map((v) => `${f.id}: ${v}`),
  );
}

// ---------- generated evidence ----------

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fr = (fn: string, unreliable = false): Frame => ({ fn, offset: '+0x10/0x20', module: '', unreliable });
const STACKS: (Frame[] | undefined)[] = [
  undefined,
  [fr('__schedule'), fr('wait_iff_congested'), fr('shrink_inactive_list'), fr('try_to_free_mem_cgroup_pages'), fr('try_charge'), fr('handle_mm_fault')],
  [fr('__schedule'), fr('rpc_wait_bit_killable'), fr('__rpc_execute'), fr('nfs4_proc_getattr')],
  [fr('__schedule'), fr('request_wait_answer'), fr('__fuse_simple_request'), fr('fuse_lookup_name')],
  [fr('__schedule'), fr('rwsem_down_write_slowpath'), fr('do_mprotect_pkey')],
  [fr('__schedule'), fr('mutex_lock_killable'), fr('proc_pid_cmdline_read')],
  [fr('do_exit'), fr('do_group_exit'), fr('get_signal')],
  [fr('__schedule'), fr('do_wait'), fr('kernel_wait4'), fr('zap_pid_ns_processes'), fr('do_exit')],
  [fr('__schedule'), fr('__refrigerator'), fr('get_signal')],
  [fr('__schedule'), fr('do_freezer_trap'), fr('get_signal')],
  [fr('__schedule'), fr('io_schedule'), fr('folio_wait_bit_common'), fr('filemap_fault')],
  [fr('__schedule'), fr('do_signal_stop'), fr('get_signal')],
  [fr('__schedule'), fr('de_thread'), fr('begin_new_exec')],
];
const STATES = [undefined, 'R', 'S', 'D', 'Z', 'T', 't', 'X', 'I'];
const MASKS = [undefined, '0000000000000000', '0000000000004000', '0000000000004002', '0000000000000002', '0000000180004a03'];
const PLACEHOLDERS: Task['placeholder'][] = [undefined, undefined, undefined, 'ppid', 'lock-owner', 'oom-invoker', 'oops-task', 'stated', 'strace-target'];
const WCHANS = [undefined, 'do_wait', 'zap_pid_ns_processes', 'rpc_wait_bit_killable', 'request_wait_answer', 'rwsem_down_write_slowpath', '__refrigerator', 'wait_iff_congested', 'rpc_wa'];
const NAMES = ['python3', 'catatonit', 'pause', 'java', 'kworker/u8:2', '$(rm -rf /)', '.+', 'sh'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

function generated(seed: number): Evidence {
  const r = rng(seed);
  const ev = emptyEvidence(r() < 0.5 ? 'paste' : 'snapshot');
  const n = 2 + Math.floor(r() * 8);
  const pids = Array.from({ length: n }, (_, i) => (i === 0 && r() < 0.3 ? 1 : 1000 + i * 10 + Math.floor(r() * 5)));
  for (let i = 0; i < n; i++) {
    const pid = pids[i];
    const t: Task = { tid: pid, pid, comm: pick(r, NAMES), missing: [], lines: [`${pid} synthetic`] };
    t.state = pick(r, STATES);
    if (i > 0) t.ppid = r() < 0.1 ? 2 : pids[Math.floor(r() * i)];
    t.stack = pick(r, STACKS);
    if (r() < 0.3) t.wchan = pick(r, WCHANS);
    if (r() < 0.3) t.flags = r() < 0.5 ? 0x4 : 0x400100;
    if (r() < 0.1) t.isKernelThread = true;
    if (r() < 0.3) t.isPidNsInit = true;
    if (r() < 0.2) t.nsPid = r() < 0.5 ? [pid, 1] : [pid, 7];
    t.sigCaught = pick(r, MASKS);
    t.sigIgnored = pick(r, MASKS);
    t.sigBlocked = pick(r, MASKS);
    if (r() < 0.1) t.sigPending = '0000000000000100';
    if (r() < 0.2) t.exited = true;
    if (r() < 0.3) t.numThreads = 1 + Math.floor(r() * 4);
    if (r() < 0.1) t.tracerPid = pids[0];
    if (r() < 0.1) t.freezerState = 'FROZEN';
    if (r() < 0.2) t.cmdline = '';
    t.placeholder = pick(r, PLACEHOLDERS);
    if (r() < 0.4) {
      t.provenance = {};
      for (const f of ['state', 'stack', 'wchan', 'numThreads', 'exited', 'isPidNsInit', 'pid'] as const) if (r() < 0.4) t.provenance[f] = r() < 0.5 ? 'derived' : 'stated';
    }
    if (r() < 0.1) t.startTime = 1000 + i;
    ev.tasks.push(t);
    // Threads of the process, now and then.
    if (r() < 0.25) {
      const th: Task = { tid: pid + 1, pid, comm: t.comm, state: pick(r, STATES), stack: pick(r, STACKS), missing: [], lines: [] };
      if (r() < 0.3) th.provenance = { state: 'derived' };
      ev.tasks.push(th);
    }
  }
  if (r() < 0.2) ev.node.freezers.push({ path: '/sys/fs/cgroup/freezer/kubepods/pod1', state: 'FROZEN', version: r() < 0.5 ? 1 : 2 });
  if (r() < 0.1) ev.stated.push({ kind: 'kill-ineffective', text: 'kill -9 does nothing', line: 1, pid: pids[0] });
  return ev;
}

describe('kill verdict properties', () => {
  it('holds for every corpus and fixture case, also with a rule that claims every signal works', () => {
    const cases = loadCases();
    expect(cases.length).toBeGreaterThan(40);
    const bad: string[] = [];
    for (const c of cases) {
      for (const rules of [RULES, [...RULES, liar]]) {
        const ev = parsePaste(c.input);
        const d = diagnose(ev, rules);
        bad.push(...violations(ev, d).map((v) => `${c.name}${rules === RULES ? '' : ' (+liar)'}: ${v}`));
      }
    }
    expect(bad).toEqual([]);
  });

  it('holds over generated evidence (zombies, D waits, exiting, frozen, kernel threads, namespace inits, placeholders, provenance)', () => {
    const bad: string[] = [];
    let yes = 0;
    for (let seed = 1; seed <= Number(process.env.VERDICT_SEEDS ?? 1000); seed++) {
      const ev = generated(seed);
      const d = diagnose(ev, [...RULES, liar]);
      yes += d.findings.flatMap((f) => f.remediations).filter((r) => r.effective === 'yes' && r.action === 'signal').length;
      bad.push(...violations(ev, d).map((v) => `seed ${seed}: ${v}`));
    }
    expect(bad.slice(0, 20)).toEqual([]);
    // The generator does reach working signals: the property is not vacuous.
    expect(yes).toBeGreaterThan(100);
  });
});

describe('kill verdict: the signal matters', () => {
  const paste = (lines: string[]): { ev: Evidence; d: Diagnosis } => {
    const ev = parsePaste(lines.join('\n'));
    return { ev, d: diagnose(ev) };
  };
  const status = (pid: number, ppid: number, state: string, extra: string[] = []): string[] => [
    `$ cat /proc/${pid}/status`,
    'Name:\tsupervisor',
    `State:\t${state}`,
    `Tgid:\t${pid}`,
    `Pid:\t${pid}`,
    `PPid:\t${ppid}`,
    'TracerPid:\t0',
    'Threads:\t1',
    ...extra,
  ];
  const sigterm = (d: Diagnosis, pid: number): Remediation | undefined => d.findings.flatMap((f) => f.remediations).find((r) => r.pid === pid && r.signal === 'SIGTERM');

  const zombiesOf = (ppid: number): string[] => ['$ ps -eo pid,ppid,stat,comm', '  PID  PPID STAT COMMAND', ` ${ppid + 11} ${ppid} Z    curl <defunct>`, ` ${ppid + 12} ${ppid} Z    curl <defunct>`];

  it('parent-not-reaping: SIGTERM works on a parent whose status shows no handler, not when it catches, ignores or was not read', () => {
    const plain = paste([...status(3000, 1, 'S (sleeping)', ['SigBlk:\t0000000000000000', 'SigIgn:\t0000000000001000', 'SigCgt:\t0000000000000002']), ...zombiesOf(3000)]);
    expect(sigterm(plain.d, 3000)).toMatchObject({ effective: 'yes', command: 'kill -15 3000' });
    expect(sigterm(plain.d, 3000)!.why).toMatch(/re-parented to init/);

    const caught = paste([...status(3000, 1, 'S (sleeping)', ['SigBlk:\t0000000000000000', 'SigIgn:\t0000000000000000', 'SigCgt:\t0000000000004002']), ...zombiesOf(3000)]);
    expect(sigterm(caught.d, 3000)).toMatchObject({ effective: 'unknown' });
    expect(sigterm(caught.d, 3000)!.why).toMatch(/catches SIGTERM/);

    const ignored = paste([...status(3000, 1, 'S (sleeping)', ['SigBlk:\t0000000000000000', 'SigIgn:\t0000000000004000', 'SigCgt:\t0000000000000000']), ...zombiesOf(3000)]);
    expect(sigterm(ignored.d, 3000)).toMatchObject({ effective: 'no' });
    // The rule's reason is not appended to a verdict that says no.
    expect(sigterm(ignored.d, 3000)!.why).not.toMatch(/re-parented/);

    const unread = paste(['$ ps -eo pid,ppid,stat,comm', '  PID  PPID STAT COMMAND', ' 3000     1 Ss   supervisor', ...zombiesOf(3000).slice(2)]);
    expect(sigterm(unread.d, 3000)).toMatchObject({ effective: 'unknown' });
    expect(sigterm(unread.d, 3000)!.why).toMatch(/SigCgt\/SigIgn/);
  });

  it('a PID-namespace init without a SIGTERM handler: SIGTERM is "no" (the kernel drops it, even from the host); SIGKILL is not "no" for that reason', () => {
    const lines = [...status(4000, 3990, 'S (sleeping)', ['NSpid:\t4000\t1', 'SigBlk:\t0000000000000000', 'SigIgn:\t0000000000000000', 'SigCgt:\t0000000000000000']), ...zombiesOf(4000)];
    const ev = parsePaste(lines.join('\n'));
    // Even a rule that claims SIGTERM works gets "no" from the engine.
    const d = diagnose(ev, [...RULES, liar]);
    for (const r of d.findings.flatMap((f) => f.remediations).filter((x) => x.pid === 4000 && x.signal === 'SIGTERM')) {
      expect(r.effective).toBe('no');
      expect(r.why).toMatch(/init of its PID namespace/);
    }
    expect(sigterm(d, 4000)).toBeDefined();
    const ctx = createContext(ev);
    const init = ev.tasks.find((t) => t.tid === 4000)!;
    expect(killVerdict(init, ctx, 'SIGKILL', { endsProblem: true }).effective).toBe('yes');
    expect(killVerdict(init, ctx, 'SIGTERM', { endsProblem: true }).effective).toBe('no');
  });

  it("the issue's case: zombies under a parent that is an exited PID-namespace init get no working SIGTERM", () => {
    const { ev, d } = paste([
      '$ ps -eo pid,ppid,stat,wchan:32,comm',
      '  PID  PPID STAT WCHAN                            COMMAND',
      ' 5000  4990 Ss   do_wait                          [nginx]',
      ' 5011  5000 Z    -                                nginx <defunct>',
      ' 5012  5000 Z    -                                nginx <defunct>',
      '$ cat /proc/5000/stat',
      '5000 (nginx) S 4990 5000 5000 0 -1 4210948 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0',
    ]);
    const claims = d.findings.flatMap((f) => f.remediations).filter((r) => r.pid === 5000 && r.action === 'signal' && r.effective === 'yes');
    expect(claims).toEqual([]);
    const init = ev.tasks.find((t) => t.tid === 5000)!;
    expect(killVerdict(init, createContext(ev), 'SIGTERM', { endsProblem: true }).effective).toBe('no');
    // Whatever a rule claims.
    const lied = diagnose(ev, [...RULES, liar])
      .findings.flatMap((f) => f.remediations)
      .filter((r) => r.pid === 5000 && (r.signal === 'SIGTERM' || r.signal === 'SIGKILL'));
    expect(lied.length).toBeGreaterThan(0);
    expect(lied.filter((r) => r.effective === 'yes')).toEqual([]);
  });

  it('a rule cannot override the verdict: the engine brings a hand-made "yes" down to it', () => {
    const ev = parsePaste(['$ ps -eo pid,ppid,stat,wchan:32,comm', '  PID  PPID STAT WCHAN                            COMMAND', ' 6000     1 D    request_wait_answer              stat'].join('\n'));
    const d = diagnose(ev, [...RULES, liar]);
    const claims = d.findings.flatMap((f) => f.remediations).filter((r) => r.pid === 6000 && (r.signal === 'SIGKILL' || r.signal === 'SIGTERM'));
    expect(claims.length).toBeGreaterThan(0);
    for (const r of claims) expect(r.effective).toBe('no');
    expect(claims.find((r) => r.why === 'trust me')).toBeUndefined();
  });

  it('a "yes" never rests on stated or derived facts alone', () => {
    const ev = emptyEvidence('paste');
    const looping: Task = {
      tid: 7000,
      pid: 7000,
      comm: 'runc:[2:INIT]',
      state: 'D',
      missing: [],
      lines: ['stated in prose'],
      stack: [fr('wait_iff_congested'), fr('shrink_inactive_list'), fr('try_to_free_mem_cgroup_pages'), fr('try_charge'), fr('handle_mm_fault')],
    };
    ev.tasks.push(looping);
    const ctx = createContext(ev);
    expect(killVerdict(looping, ctx).effective).toBe('yes');
    looping.provenance = { stack: 'stated' };
    expect(killVerdict(looping, ctx).effective).toBe('unknown');
    looping.provenance = undefined;
    looping.placeholder = 'oops-task';
    expect(killVerdict(looping, ctx)).toMatchObject({ effective: 'unknown', why: expect.stringMatching(/only referenced/) });
  });

  it('SIGCONT resumes a job-control stop, not a ptrace stop nor a zombie', () => {
    const ev = emptyEvidence('snapshot');
    const stopped: Task = { tid: 8000, pid: 8000, comm: 'redis', state: 'T', missing: [], lines: [] };
    const traced: Task = { tid: 8001, pid: 8001, comm: 'redis', state: 't', tracerPid: 8002, missing: [], lines: [] };
    ev.tasks.push(stopped, traced);
    const ctx = createContext(ev);
    expect(killVerdict(stopped, ctx, 'SIGCONT').effective).toBe('yes');
    expect(killVerdict(traced, ctx, 'SIGCONT').effective).toBe('no');
  });
});
