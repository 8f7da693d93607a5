import { diagnose } from '../../../bot/src/diagnosis/engine';
import type { Diagnosis } from '../../../bot/src/diagnosis/finding';
import { killPids, regexEscape, shellQuote } from '../../../bot/src/diagnosis/shell-quote';
import { emptyEvidence, type Evidence, type Task } from '../../../bot/src/evidence/evidence';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { loadCases } from '../../helpers/bot/corpus-cases';

/**
 * Suggested commands never carry a string a tenant controls (comm, cmdline,
 * cgroup paths, mount points, names in pasted text) where a shell would read
 * it: such strings are wrapped in markers, and every marker that reaches a
 * command must sit inside single quotes (or be backslash-escaped), with the
 * whole payload between the markers quoted too. Commands that take a regular
 * expression (pkill, pgrep, grep, awk…) never carry one at all.
 */

const MARK = 'XQZ';
const PAYLOADS = ['$(rm -rf /)', '; reboot', '.+', '`reboot`', "it's", '"quoted"', 'two\nlines', 'a b', '*', '| sh', '&& halt', '>x', '\\', "'; reboot; '", '$HOME'];
const hostile = (i: number, base = ''): string => `${base}${MARK}${PAYLOADS[i % PAYLOADS.length]}${MARK}`;

type Ctx = 'none' | 'single' | 'double' | 'escaped';
interface Word {
  value: string;
  ctx: Ctx[];
}

/** A small POSIX shell word splitter: words with the quoting context of every literal character; null when quotes do not balance. */
export function shellWords(cmd: string): { words: Word[]; commands: Word[][] } | null {
  const commands: Word[][] = [[]];
  let cur: Word | null = null;
  let state: 'none' | 'single' | 'double' = 'none';
  const push = (ch: string, ctx: Ctx): void => {
    cur ??= { value: '', ctx: [] };
    cur.value += ch;
    cur.ctx.push(ctx);
  };
  const end = (): void => {
    if (cur) commands[commands.length - 1].push(cur);
    cur = null;
  };
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i];
    if (state === 'single') {
      if (c === "'") state = 'none';
      else push(c, 'single');
      continue;
    }
    if (state === 'double') {
      if (c === '"') state = 'none';
      else if (c === '\\' && i + 1 < cmd.length && '$`"\\\n'.includes(cmd[i + 1])) push(cmd[++i], 'escaped');
      else push(c, 'double');
      continue;
    }
    if (c === "'") {
      cur ??= { value: '', ctx: [] };
      state = 'single';
      continue;
    }
    if (c === '"') {
      cur ??= { value: '', ctx: [] };
      state = 'double';
      continue;
    }
    if (c === '\\' && i + 1 < cmd.length) {
      push(cmd[++i], 'escaped');
      continue;
    }
    if (c === ' ' || c === '\t') {
      end();
      continue;
    }
    if (';|&\n'.includes(c)) {
      end();
      commands.push([]);
      continue;
    }
    if ('<>()'.includes(c)) {
      end();
      continue;
    }
    push(c, 'none');
  }
  if (state !== 'none') return null;
  end();
  return { words: commands.flat(), commands: commands.filter((c) => c.length) };
}

const REGEX_TAKERS = /^(?:pkill|pgrep|killall|pidof|grep|egrep|fgrep|awk|sed)$/;

/** What is wrong with a command, or null when no marked string reaches a shell unquoted. */
function unsafe(cmd: string): string | null {
  if (!cmd.includes(MARK)) return null; // names pids (or nothing the tenant chose)
  const parsed = shellWords(cmd);
  if (!parsed) return `unbalanced quotes in ${JSON.stringify(cmd)}`;
  let seen = 0;
  for (const words of parsed.commands) {
    for (const w of words) {
      let from = w.value.indexOf(MARK);
      while (from >= 0) {
        const to = w.value.indexOf(MARK, from + MARK.length);
        if (to < 0) return `a marked string is cut apart in ${JSON.stringify(cmd)}`;
        for (let k = from; k < to + MARK.length; k++) {
          // Characters a shell never reads specially may stand bare; everything else must be quoted.
          if (w.ctx[k] !== 'single' && w.ctx[k] !== 'escaped' && !(w.ctx[k] === 'none' && /[A-Za-z0-9_@%+=:,./-]/.test(w.value[k])))
            return `${JSON.stringify(w.value.slice(from, to + MARK.length))} reaches the shell unquoted in ${JSON.stringify(cmd)}`;
        }
        seen++;
        if (REGEX_TAKERS.test(words[0]?.value ?? '')) return `${words[0].value} takes a pattern built from a tenant string in ${JSON.stringify(cmd)}`;
        from = w.value.indexOf(MARK, to + MARK.length);
      }
    }
  }
  // Every marker of the raw text must be inside a word (not an operator position).
  const raw = cmd.split(MARK).length - 1;
  if (raw !== seen * 2) return `a marked string reaches the shell outside any quoted word in ${JSON.stringify(cmd)}`;
  return null;
}

function problems(d: Diagnosis): string[] {
  const out: string[] = [];
  for (const f of d.findings)
    for (const r of f.remediations) {
      const p = r.command !== undefined ? unsafe(r.command) : null;
      if (p) out.push(`${f.id}: ${p}`);
    }
  return out;
}

/** Every string in the evidence a tenant could choose, marked; `suffix` keeps the original text first (rules that match a prefix still fire). */
function markTenantStrings(ev: Evidence, suffix: boolean): void {
  let i = 0;
  const m = (s: string): string => (suffix ? hostile(i++, s) : hostile(i++));
  for (const t of ev.tasks) {
    t.comm = m(t.comm);
    if (t.cmdline !== undefined && t.cmdline !== '') t.cmdline = m(t.cmdline);
    if (t.cgroupPath) t.cgroupPath = m(t.cgroupPath);
  }
  for (const f of ev.node.freezers) f.path = m(f.path);
  for (const x of ev.node.mounts) {
    x.mountPoint = m(x.mountPoint);
    x.source = m(x.source);
  }
  for (const x of ev.node.memcgOom) x.path = m(x.path);
  for (const r of ev.reports) {
    if (r.comm) r.comm = m(r.comm);
    if (r.victim) r.victim.comm = m(r.victim.comm);
    if (r.blocker) r.blocker.comm = m(r.blocker.comm);
    if (r.oomMemcg) r.oomMemcg = m(r.oomMemcg);
  }
  for (const n of ev.notes) n.target = m(n.target);
  for (const b of ev.backend) b.target = m(b.target);
  for (const o of ev.objects) o.name = m(o.name);
  for (const s of ev.stated) if (s.comm) s.comm = m(s.comm);
}

function task(tid: number, comm: string, extra: Partial<Task> = {}): Task {
  return { tid, pid: tid, comm, missing: [], lines: [`${tid} ${comm}`], ...extra };
}

/** Evidence built to reach the rules that suggest commands: orphans, frozen cgroups (v1 and v2), zombies, D tasks, reclaim loops, stopped tasks. */
function syntheticEvidence(n: number): Evidence {
  const ev = emptyEvidence(n % 2 ? 'paste' : 'snapshot');
  const name = hostile(n);
  ev.tasks.push(task(1, 'systemd', { state: 'S' }));
  for (let k = 0; k < 12; k++) ev.tasks.push(task(2000 + k, name, { ppid: 1, state: 'S', cmdline: hostile(n + k), cgroupPath: `/kubepods/pod-${hostile(n + 1)}` }));
  ev.tasks.push(task(3000, hostile(n + 2), { ppid: 1, state: 'S', cmdline: hostile(n + 3) }));
  ev.tasks.push(task(3001, hostile(n + 4), { ppid: 3000, state: 'Z' }));
  ev.tasks.push(task(3002, hostile(n + 5), { ppid: 3000, state: 'Z' }));
  ev.tasks.push(task(4000, hostile(n + 6), { ppid: 1, state: 'D', wchan: 'request_wait_answer', stack: [{ fn: 'request_wait_answer', offset: '+0x1/0x2', module: 'fuse', unreliable: false }] }));
  ev.tasks.push(
    task(5000, hostile(n + 7), {
      ppid: 1,
      state: 'D',
      stack: ['wait_iff_congested', 'shrink_inactive_list', 'try_to_free_mem_cgroup_pages', 'try_charge', 'handle_mm_fault'].map((fn) => ({ fn, offset: '+0x1/0x2', module: '', unreliable: false })),
    }),
  );
  ev.tasks.push({
    ...task(0, hostile(n + 8)),
    pid: undefined,
    state: 'D',
    stack: ['wait_iff_congested', 'try_to_free_mem_cgroup_pages', 'try_charge', 'handle_mm_fault'].map((fn) => ({ fn, offset: '', module: '', unreliable: false })),
  });
  ev.tasks.push(task(6000, hostile(n + 9), { ppid: 1, state: 'T' }));
  ev.tasks.push(task(7000, hostile(n + 10), { ppid: 1, state: 'D', freezerState: 'FROZEN', stack: [{ fn: '__refrigerator', offset: '+0x1/0x2', module: '', unreliable: false }] }));
  ev.node.freezers.push({ path: `/sys/fs/cgroup/freezer/kubepods/${hostile(n + 11)}`, state: 'FROZEN', version: n % 3 === 0 ? 2 : 1 });
  ev.node.mounts.push({ mountPoint: `/var/lib/kubelet/pods/${hostile(n + 12)}/volumes`, fsType: 'fuse.s3fs', source: hostile(n + 13), device: '', backing: '' });
  return ev;
}

describe('suggested commands never interpolate tenant strings', () => {
  it('the helpers: a quoted word stands for exactly its string; a regex matches only it; kill names pids', () => {
    for (const p of PAYLOADS) {
      const words = shellWords(`echo ${shellQuote(p)}`);
      expect(words?.words.map((w) => w.value)).toEqual(['echo', p]);
      expect(new RegExp(`^${regexEscape(p)}$`).test(p)).toBe(true);
      expect(new RegExp(`^${regexEscape(p)}$`).test(`${p}x`)).toBe(false);
    }
    expect(new RegExp(`^${regexEscape('.+')}$`).test('anything')).toBe(false);
    expect(shellQuote('/sys/fs/cgroup/freezer/kubepods/pod1')).toBe('/sys/fs/cgroup/freezer/kubepods/pod1');
    expect(shellQuote('')).toBe("''");
    expect(killPids('TERM', [2001, 2002, 2001, 0])).toBe('kill -TERM 2001 2002');
  });

  it('the checker catches the bugs it is there for', () => {
    expect(unsafe(`pkill -TERM -x ${MARK}.+${MARK}`)).toMatch(/pattern/);
    expect(unsafe(`kill -TERM ${MARK}$(rm -rf /)${MARK}`)).toMatch(/unquoted|cut apart/);
    expect(unsafe(`kill -TERM ${MARK}; reboot${MARK}`)).toMatch(/unquoted|cut apart/);
    expect(unsafe(`pkill -TERM -x '${MARK}.+${MARK}'`)).toMatch(/pattern/);
    expect(unsafe(`echo THAWED > /sys/fs/cgroup/${MARK}$(rm -rf /)${MARK}/freezer.state`)).toMatch(/unquoted|cut apart/);
    expect(unsafe(`echo THAWED > ${shellQuote(`/sys/fs/cgroup/${MARK}'; reboot; '${MARK}/freezer.state`)}`)).toBeNull();
    expect(unsafe('kill -TERM 2001 2002')).toBeNull();
  });

  it('orphans named `.+` are ended by pid, never by `pkill -x .+`', () => {
    const ev = emptyEvidence('paste');
    ev.tasks.push(task(1, 'systemd', { state: 'S' }));
    for (let k = 0; k < 12; k++) ev.tasks.push(task(2001 + k, '.+', { ppid: 1, state: 'S' }));
    const f = diagnose(ev).findings.find((x) => x.id === 'orphan-accumulation')!;
    expect(f).toBeDefined();
    const cmd = f.remediations.map((r) => r.command).find(Boolean)!;
    expect(cmd).toBe(`kill -TERM ${Array.from({ length: 12 }, (_, k) => 2001 + k).join(' ')}`);
    expect(cmd).not.toMatch(/pkill|\.\+/);
  });

  it('holds on synthetic evidence with hostile comms, cmdlines, cgroup paths and mount points', () => {
    const bad: string[] = [];
    let commands = 0;
    for (let n = 0; n < PAYLOADS.length * 2; n++) {
      const d = diagnose(syntheticEvidence(n));
      commands += d.findings.flatMap((f) => f.remediations).filter((r) => r.command).length;
      bad.push(...problems(d).map((p) => `synthetic ${n}: ${p}`));
    }
    expect(bad).toEqual([]);
    expect(commands).toBeGreaterThan(PAYLOADS.length * 4);
  });

  it('holds on every corpus and fixture case with every tenant string replaced or suffixed by a hostile one', () => {
    const bad: string[] = [];
    let marked = 0;
    for (const c of loadCases()) {
      for (const suffix of [true, false]) {
        const ev = parsePaste(c.input);
        markTenantStrings(ev, suffix);
        const d = diagnose(ev);
        marked += d.findings.flatMap((f) => f.remediations).filter((r) => r.command?.includes(MARK)).length;
        bad.push(...problems(d).map((p) => `${c.name}${suffix ? ' (suffixed)' : ''}: ${p}`));
      }
      // And as read, with no marking: every command parses as shell words.
      for (const f of diagnose(parsePaste(c.input)).findings)
        for (const r of f.remediations) {
          if (r.command !== undefined && !shellWords(r.command)) bad.push(`${c.name}: ${f.id}: unbalanced quotes in ${JSON.stringify(r.command)}`);
        }
    }
    expect(bad).toEqual([]);
    // The frozen-cgroup cases put a (quoted) cgroup path into their thaw command.
    expect(marked).toBeGreaterThan(0);
  });
});
