import { diagnose } from '../../../bot/src/diagnosis/engine';
import type { Diagnosis } from '../../../bot/src/diagnosis/finding';
import type { Evidence } from '../../../bot/src/evidence/evidence';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { checkDiagnosis, KNOWN_GAPS, loadCases, type CorpusCase } from '../../helpers/bot/corpus-cases';
import { internals, isSkip, TRANSFORMS, variantsOf, type Variant } from '../../helpers/bot/paste-variants';

/**
 * Issue 13: the same evidence pasted another way gives the same findings and
 * names the same key pids — or the diagnosis says precisely what it could not
 * read. A transformation that does not apply to a case (no ps table, no
 * timestamps, a table the generator cannot rewrite exactly) is not a test.
 *
 * METAMORPHIC_REPORT=1 prints transformation × applicable × passing with the
 * first failure of each.
 */

/** Problems that are omissions (something not found), as opposed to something false claimed. */
const OMISSION = /^missing finding |^key task .* not named$|^zombie kind .* expected, got |^\S+ \S+ not named$/;

const inRange = (n: number, [a, b]: [number, number]): boolean => n >= a && n <= b;
const CUT_LINE = /^\s*\[\.\.\.\]\s*$/;

/**
 * The honest alternative to the right answer, strictly: (1) nothing false —
 * every problem is an omission; (2) some rewritten lines are reported unread
 * (evidence.unreadable, or an input part of kind 'unrecognised' / 'unread…');
 * (3) the summary names those lines by number ("line 12", "lines 12–30"), since
 * the summary is what a person reads; (4) every key task the diagnosis fails
 * to name has its pid on a rewritten line inside such a named unread span —
 * a loss it explained. Returns why the variant is not honestly unread, or null.
 */
function whyNotHonestlyUnread(v: Variant, ev: Evidence, d: Diagnosis, problems: string[]): string | null {
  const claims = problems.filter((p) => !OMISSION.test(p));
  if (claims.length) return `it claims what the evidence does not say (${claims.join('; ')})`;
  const changed = new Set(v.changed);
  const unread: [number, number][] = [...ev.unreadable.map((u) => u.lines), ...ev.inputs.filter((i) => i.kind === 'unrecognised' || i.kind.startsWith('unread')).map((i) => i.lines)].filter((span) =>
    v.changed.some((n) => inRange(n, span)),
  );
  if (!unread.length) return 'none of the rewritten lines is reported as unread';
  const said = [...d.summary.matchAll(/\blines? (\d+)(?:\s*(?:–|-|to)\s*(\d+))?/g)].map((m) => [Number(m[1]), Number(m[2] ?? m[1])] as [number, number]);
  const named = unread.filter(([a, b]) => said.some(([x, y]) => x <= b && y >= a));
  if (!named.length) return `the summary does not name the unread lines (${unread.map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(', ')}): "${d.summary}"`;
  const lines = v.text.split('\n');
  for (const p of problems) {
    const m = /^key task .* \((\d+)\) not named$/.exec(p);
    if (!m) continue;
    const pid = new RegExp(`\\b${m[1]}\\b`);
    // A row that was kept while the rows around it were cut away: the finding it belongs to needed the rows behind
    // the cut, and the summary names the cut — a loss explained, as long as the pid is still there to be seen.
    const cutNamed = named.some(([a, b]) => lines.slice(a - 1, b).some((l) => CUT_LINE.test(l)));
    const explained = named.some((span) => lines.some((l, i) => changed.has(i + 1) && inRange(i + 1, span) && pid.test(l))) || (cutNamed && lines.some((l) => pid.test(l)));
    if (!explained) return `key task ${m[1]} is lost without an unread line that shows it`;
  }
  return null;
}

const cases = loadCases();
const baseline = new Map<string, string[]>(cases.map((c) => [c.name, checkDiagnosis(diagnose(parsePaste(c.input)), c.expected)]));

type Row = readonly [string, CorpusCase, Variant];
const rows = new Map<string, Row[]>(TRANSFORMS.map((t) => [t.name, []]));
for (const c of cases) {
  // A case whose own paste is a known gap has no right answer to keep: its variants say nothing.
  if (KNOWN_GAPS[c.name]) continue;
  for (const { name, outcome } of variantsOf(c)) if (!isSkip(outcome)) rows.get(name)!.push([c.name, c, outcome] as const);
}

const results = new Map<string, { pass: number; fail: number; failOriginalFails: number; first?: string; firstRegression?: string }>();

/** Runs one variant; '' when it passes, else what went wrong. */
function judge(c: CorpusCase, v: Variant): string {
  const ev = parsePaste(v.text);
  const d = diagnose(ev);
  const problems = checkDiagnosis(d, c.expected);
  if (!problems.length) return '';
  const unread = whyNotHonestlyUnread(v, ev, d, problems);
  if (unread === null) return '';
  const original = baseline.get(c.name)!;
  return [
    `${v.note}: ${problems.join('; ')}`,
    `not an honest "could not read" either: ${unread}`,
    original.length ? `(the original paste fails too: ${original.join('; ')})` : '(the original paste passes)',
  ].join('\n');
}

describe('metamorphic: the same evidence pasted another way', () => {
  for (const t of TRANSFORMS) {
    const applicable = rows.get(t.name)!;
    if (!applicable.length) continue;
    describe(t.name, () => {
      it.each(applicable)('%s', (name, c, v) => {
        const failure = judge(c, v);
        const r = results.get(t.name) ?? { pass: 0, fail: 0, failOriginalFails: 0 };
        if (failure) {
          r.fail++;
          const line = `${name}: ${failure.split('\n')[0]}`;
          r.first ??= line;
          if (baseline.get(name)!.length) r.failOriginalFails++;
          else r.firstRegression ??= line;
        } else r.pass++;
        results.set(t.name, r);
        if (failure) throw new Error(failure);
      });
    });
  }

  afterAll(() => {
    if (!process.env.METAMORPHIC_REPORT) return;
    const out = ['| transformation | applicable | passing | failing, original fails too | first failing case: problems | first failing case whose original passes |', '|---|---|---|---|---|---|'];
    for (const t of TRANSFORMS) {
      const r = results.get(t.name) ?? { pass: 0, fail: 0, failOriginalFails: 0 };
      out.push(`| ${t.name} | ${rows.get(t.name)!.length} | ${r.pass} | ${r.failOriginalFails} | ${r.first ?? '—'} | ${r.firstRegression ?? '—'} |`);
    }
    const originals = [...baseline.values()].filter((p) => !p.length).length;
    out.push('', `originals passing: ${originals} of ${cases.length}`);
    // eslint-disable-next-line no-console -- the report METAMORPHIC_REPORT asks for is this test's output
    console.log(out.join('\n'));
  });
});

/**
 * Stronger than the findings: a rewritten ps table is read as the same tasks
 * (state, process, comm, parent, wait channel) as the original table was —
 * a case can pass on its other evidence while the table is misread or dropped.
 */
describe('metamorphic: rewritten ps rows are read as the same tasks', () => {
  const originals = new Map<string, Evidence>();
  for (const t of TRANSFORMS) {
    const applicable = rows.get(t.name)!.filter(([, , v]) => v.rows?.length);
    if (!applicable.length) continue;
    describe(t.name, () => {
      it.each(applicable)('%s', (name, c, v) => {
        const before = originals.get(name) ?? originals.set(name, parsePaste(c.input)).get(name)!;
        const after = parsePaste(v.text);
        const shown = new Set(v.rows);
        const diffs: string[] = [];
        for (const tid of v.rows!) {
          const o = before.tasks.find((x) => x.tid === tid);
          if (!o) continue; // the original table row was not read either: nothing to compare
          const n = after.tasks.find((x) => x.tid === tid);
          if (!n) {
            diffs.push(`${tid}: not read`);
            continue;
          }
          const same = (k: string, a: unknown, b: unknown): void => {
            if (a !== undefined && a !== b) diffs.push(`${tid}.${k}: ${String(a)} became ${String(b)}`);
          };
          same('state', o.state, n.state);
          same('pid', o.pid, n.pid);
          same('comm', o.comm, n.comm);
          // procps draws children of 1 and rows whose parent is not listed as roots: their parent is not in the tree.
          if (t.name !== 'PPID as tree art' || (o.ppid !== undefined && o.ppid !== 1 && shown.has(o.ppid))) same('ppid', o.ppid, n.ppid);
          if (t.name === 'wchan truncated to 6') {
            if (o.wchan !== undefined && n.wchan !== o.wchan && n.wchan !== o.wchan.slice(0, 6)) diffs.push(`${tid}.wchan: ${o.wchan} became ${String(n.wchan)}`);
          } else same('wchan', o.wchan, n.wchan);
        }
        if (diffs.length) throw new Error(`${v.note}: ${diffs.join('; ')}`);
      });
    });
  }
});

/** The generator is exact for the shapes it claims: checked against real procps output. */
describe('the variant generator', () => {
  const fake = (input: string, expected: Partial<CorpusCase['expected']> = {}): CorpusCase => ({
    name: 'fake',
    dir: '',
    input,
    expected: { must: [], must_not: [], key_tasks: [], ...expected },
  });
  const apply = (name: string, c: CorpusCase): Variant => {
    const o = TRANSFORMS.find((t) => t.name === name)!.apply(c);
    if (isSkip(o)) throw new Error(`skipped: ${o.skip}`);
    return o;
  };

  it('draws ps --forest tree art exactly as procps did in the corpus', () => {
    // s-001's `ps -ef --forest` (real procps output) with its tree art taken out.
    const real = loadCases((n) => n.startsWith('s-001'))[0]
      .input.split('\n')
      .slice(0, 10);
    const plain = real.map((l) => l.replace(/(\d\d:\d\d:\d\d )[ |\\_]*(?=\S)/, '$1'));
    const v = apply('PPID as tree art', fake(['UID          PID    PPID  C STIME TTY          TIME CMD', ...plain].join('\n')));
    const drawn = v.text
      .split('\n')
      .slice(1)
      .map((l) => / \d\d:\d\d:\d\d (.*)$/.exec(l)![1]);
    expect(drawn).toEqual(real.map((l) => / \d\d:\d\d:\d\d (.*)$/.exec(l)![1].trimEnd()));
    expect(v.text.split('\n')[0].trim().split(/\s+/)).toEqual(['UID', 'PID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
  });

  it("skips tree art that would lose a zombie's parent", () => {
    const c = fake(['    PID    PPID STAT CMD', '    100       1 S    a', '    101     100 S    b', '    102       1 Z    [c] <defunct>'].join('\n'));
    expect(isSkip(TRANSFORMS.find((t) => t.name === 'PPID as tree art')!.apply(c))).toBe(true);
  });

  it('reorders columns and the -o list that printed them alike', () => {
    const v = apply(
      'ps columns reordered',
      fake(
        [
          '$ ps -o pid,ppid,stat,wchan:32,lstart,comm -p 118533,118561',
          '    PID    PPID STAT WCHAN                                             STARTED COMMAND',
          ' 118533  118402 Ss   do_wait                          Sun Mar  3 02:00:04 2024 tini',
          ' 118561  118533 D    wait_on_page_bit                 Sun Mar  3 02:00:04 2024 tar',
        ].join('\n'),
      ),
    );
    expect(v.text.split('\n')).toEqual([
      '$ ps -o lstart,wchan:32,stat,ppid,pid,comm -p 118533,118561',
      '                 STARTED WCHAN            STAT   PPID    PID COMMAND',
      'Sun Mar  3 02:00:04 2024 do_wait          Ss   118402 118533 tini',
      'Sun Mar  3 02:00:04 2024 wait_on_page_bit D    118533 118561 tar',
    ]);
    expect(v.changed).toEqual([1, 2, 3, 4]);
  });

  it('rewrites the fixed formats as the -o lists that print the same columns', () => {
    const v = apply(
      'ps columns reordered',
      fake(['$ ps -ef | grep chrome', 'UID          PID    PPID  C STIME TTY          TIME CMD', 'node         212       1  0 Feb27 ?        00:00:00 [chrome] <defunct>'].join('\n')),
    );
    expect(v.text.split('\n').slice(0, 2)).toEqual(['$ ps -eo time,tty=TTY,stime,c,ppid,pid,user=UID,cmd | grep chrome', '    TIME TTY STIME C PPID PID UID  CMD']);
  });

  it('cuts wait channels to 6 characters as wchan:6 prints them', () => {
    const v = apply(
      'wchan truncated to 6',
      fake(
        [
          '# ps -eo pid,stat,wchan:32,comm',
          '    PID STAT WCHAN                            COMMAND',
          '  40236 Dl   wait_on_page_bit_common          ingest-flush',
          '  40240 S    -                                x',
        ].join('\n'),
      ),
    );
    expect(v.text.split('\n')).toEqual(['# ps -eo pid,stat,wchan:6,comm', '  PID STAT WCHAN  COMMAND', '40236 Dl   wait_o ingest-flush', '40240 S    -      x']);
  });

  it('prints single-threaded processes per thread, and leaves multi-threaded ones alone', () => {
    const v = apply('process-level to thread-level', fake(['$ ps -o pid,stat,comm', '  PID STAT COMMAND', '  100 D    tar'].join('\n')));
    expect(v.text.split('\n')).toEqual(['$ ps -Lo pid,lwp,stat,comm', 'PID LWP STAT COMMAND', '100 100 D    tar']);
    expect(isSkip(TRANSFORMS.find((t) => t.name === 'process-level to thread-level')!.apply(fake(['  PID STAT COMMAND', '  100 Dl   java'].join('\n'))))).toBe(true);
  });

  it('prints a thread table per process only when no thread differs from its leader', () => {
    const same = fake(['$ ps -L -o pid,lwp,stat,wchan,comm -p 7', '  PID   LWP STAT WCHAN  COMMAND', '    7     7 Sl   futex_ java', '    7     8 Sl   futex_ C2 compiler'].join('\n'));
    expect(apply('thread-level to process-level', same).text.split('\n')).toEqual(['$ ps -o pid,stat,wchan,comm -p 7', 'PID STAT WCHAN  COMMAND', '  7 Sl   futex_ java']);
    const differs = fake(['  PID   LWP STAT WCHAN  COMMAND', '    7     7 Sl   futex_ java', '    7     8 Dl   __refr java'].join('\n'));
    expect(isSkip(TRANSFORMS.find((t) => t.name === 'thread-level to process-level')!.apply(differs))).toBe(true);
  });

  it('elides runs of rows that are not key tasks, keeping the rest as printed', () => {
    const c = fake(['  PID STAT COMMAND', '    1 S    init', '    2 S    a', '    3 Z    b <defunct>', '    4 S    c', '    5 S    d'].join('\n'), {
      key_tasks: [{ pid: 3, comm: 'b', kill9_effective: false }],
    });
    expect(apply('rows elided', c).text.split('\n')).toEqual(['  PID STAT COMMAND', '[...]', '    3 Z    b <defunct>', '[...]']);
  });

  it("strips the kernel's timestamps and only those", () => {
    const v = apply(
      'kernel timestamps stripped',
      fake(
        [
          '[ 4207.120431] INFO: task tar:118561 blocked for more than 120 seconds.',
          '[Wed Jun  5 02:58:12 2024] nfs: server filer-b not responding, still trying',
          'Mar 12 03:14:07 db-prod-03 kernel: [<ffffffff9a186d89>] schedule+0x29/0x70',
          '<3>2020-04-04T04:46:39.711301+08:00 mgt12 kernel: [61746.127888] INFO: task kworker/u32:1:24405 blocked',
          'Mar 12 03:11:42 db-prod-03 iscsid: Kernel reported iSCSI connection 1:0 error',
        ].join('\n'),
      ),
    );
    expect(v.text.split('\n')).toEqual([
      'INFO: task tar:118561 blocked for more than 120 seconds.',
      'nfs: server filer-b not responding, still trying',
      '[<ffffffff9a186d89>] schedule+0x29/0x70',
      'INFO: task kworker/u32:1:24405 blocked',
      'Mar 12 03:11:42 db-prod-03 iscsid: Kernel reported iSCSI connection 1:0 error',
    ]);
    expect(v.changed).toEqual([1, 2, 3, 4]);
  });

  it('restates a /proc stack as the sentence a person would write', () => {
    const v = apply(
      'stack restated in a sentence',
      fake(
        ['$ sudo cat /proc/22026/stack', '[<0>] do_wait+0x1bf/0x230', '[<0>] kernel_wait4+0x8d/0x140', '[<0>] zap_pid_ns_processes+0x103/0x1b0', '[<0>] do_exit+0xa44/0xb80', '$ uptime'].join('\n'),
      ),
    );
    expect(v.text.split('\n')).toEqual(['pid 22026 is stuck in zap_pid_ns_processes.', '$ uptime']);
  });

  it('quotes and numbers every line as mail clients, cat -n, grep -n and editors do', () => {
    const c = fake('a\n\nb\n');
    expect(apply('quote >', c).text).toBe('> a\n>\n> b');
    expect(apply('quote >>', c).text).toBe('>> a\n>>\n>> b');
    expect(apply('line numbers cat -n', c).text).toBe('     1\ta\n     2\t\n     3\tb');
    expect(apply('line numbers grep -n', c).text).toBe('1:a\n2:\n3:b');
    expect(apply('line numbers editor gutter', c).text).toBe('  1 | a\n  2 |\n  3 | b');
  });

  it('reads tables only where every row parses against the header', () => {
    const t = internals.findTables(['  PID STAT COMMAND', '  100 D    tar', 'not a row', '  101 S    x']);
    expect(t).toHaveLength(1);
    expect(t[0].rows).toEqual([1]);
  });
});
