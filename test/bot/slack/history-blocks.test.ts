import { renderReplyText } from '../../../bot/src/render/reply-text';
import { diagnose } from '../../../bot/src/diagnosis/engine';
import { evidenceFromSnapshot } from '../../../bot/src/evidence/from-snapshot';
import { parseWords } from '../../../bot/src/intents/parse-intent';
import { diagnosisBlocks } from '../../../bot/src/slack/diagnosis-blocks';
import { historyAnswer } from '../../../bot/src/conversation/thread-followups';
import { parseTerminalInput } from '../../../bot/src/terminal/parse-terminal-input';
import { hungTaskReport, oomKillReport, podUid, timedSnapshot, zombiePod, type LogLine } from '../../helpers/bot/timed-snapshot';

type Block = { type: string; text?: { text: string }; elements?: { text?: string | { text: string }; action_id?: string }[] };
const textOf = (b: Block): string => b.text?.text ?? (b.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : (e.text?.text ?? ''))).join(' ');

/** A node up 5000 s: three zombies in a pod now; a hung-task report 41 min ago; OOM kills in three pods over the last 40 min; a report 30 h old. */
function node(): ReturnType<typeof diagnose> {
  const uptime = 3 * 86_400;
  const log: LogLine[] = [
    ...hungTaskReport(uptime - 30 * 3600, 1111),
    ...hungTaskReport(uptime - 2460, 2308),
    ...[0, 1, 2, 0].flatMap((p, i) => oomKillReport(uptime - 2400 + i * 700, 6000 + i, podUid(p))),
  ];
  return diagnose(evidenceFromSnapshot(timedSnapshot({ uptime, tasks: zombiePod(900, 3, podUid(9), uptime - 100), log, firstSeq: 10 })));
}

describe('the first screen: what is stuck now, history in one line', () => {
  it('Slack: the current finding in full, history summarised in one context line, in full behind Show more', () => {
    const d = node();
    const r = diagnosisBlocks({ node: 'node-7', diagnosis: d, choices: [], threadKey: 'C:1' });
    const blocks = r.blocks as Block[];
    const sections = blocks.filter((b) => b.type === 'section').map(textOf);
    expect(sections[0]).toMatch(/^\*3 zombies/);
    expect(sections[1]).toMatch(/^:white_circle: \*3 zombies .*\* · now\n/);
    expect(sections.join('\n')).not.toMatch(/2308|OOM kill/);
    const line = blocks
      .filter((b) => b.type === 'context')
      .map(textOf)
      .find((t) => t.startsWith(':clock3:'));
    expect(line).toMatch(
      /^:clock3: Earlier \(the last 24 h; the kernel log reaches back to <!date\^\d+\^\{time\}\|[A-Z][a-z]{2} \d+ \d\d:\d\d> \(30 h ago\); older records were overwritten\): 4 OOM kills in 3 pods over the last 40 min \(python3, limit 64 MiB; most recent 5 min ago\) · Hung task: stat:2308 blocked for more than 5 s in request_wait_answer \(41 min ago\) \(1 older group outside the window: "all history"\) — say "history" for where and when$/,
    );
    expect(r.overflow.join('\n')).toMatch(/WARNING 4 OOM kills in 3 pods[^\n]*\nearlier: 4 times between \d\d:\d\d and \d\d:\d\d, last 5 min ago\n/);
    expect(JSON.stringify(blocks)).toContain('show_more');
  });

  it('the terminal shows the same reply: the zombies first, then ◷ Earlier …', () => {
    const d = node();
    const text = renderReplyText({ node: 'node-7', diagnosis: d, choices: [], threadKey: 'C:1' }, { color: false, numbered: true }).text;
    expect(text.indexOf('[INFO] 3 zombies')).toBeGreaterThan(0);
    expect(text.indexOf('◷ Earlier (the last 24 h')).toBeGreaterThan(text.indexOf('[INFO] 3 zombies'));
    expect(text).toMatch(/the kernel log reaches back to [A-Z][a-z]{2} \d+ \d\d:\d\d \(30 h ago\)/);
  });

  it('with nothing current, the history is the answer: shown in full, and said to be history', () => {
    const uptime = 5000;
    const d = diagnose(evidenceFromSnapshot(timedSnapshot({ uptime, log: hungTaskReport(uptime - 2460, 2308) })));
    expect(d.summary).toBe('Nothing stuck now. Earlier: Hung task: stat:2308 blocked for more than 5 s in request_wait_answer (41 min ago).');
    const blocks = diagnosisBlocks({ node: 'node-7', diagnosis: d, choices: [], threadKey: 'C:1' }).blocks as Block[];
    expect(blocks.map(textOf).join('\n')).toMatch(/\*Hung task: stat:2308 blocked for more than 5 s in request_wait_answer\* · earlier: <!date\^\d+\^\{time\}\|\d\d:\d\d> \(41 min ago\)/);
    expect(blocks.map(textOf).join('\n')).toMatch(/:clock3: Nothing above is live now: it is history \(since boot, 83 min ago; the kernel log has all of it\)\. Say "history" for where and when\./);
  });
});

describe('the "history" follow-up', () => {
  it('lists each condition by place with how many times and when; "show the OOM kills" only those; "all history" the older ones too', () => {
    const d = node();
    const all = historyAnswer(d, {});
    expect(all).toMatch(/^\*Earlier\* \(the last 24 h; the kernel log reaches back to [A-Z][a-z]{2} \d+ \d\d:\d\d \(30 h ago\); older records were overwritten\):\n4 OOM kills in 3 pods/);
    expect(all).toContain(`  • pod ${podUid(0)}: 2 times between `);
    expect(all).toMatch(new RegExp(`  • pod ${podUid(1)}: once at \\d\\d:\\d\\d — python3, limit 64 MiB \\(pid 6001\\)`));
    expect(all).toMatch(/  • stat \(pid 2308\): once at \d\d:\d\d — blocked more than 5 s in request_wait_answer$/m);
    expect(all).toMatch(/\n1 more group of history from before the last 24 h: say "all history"\.$/);
    const oom = historyAnswer(d, { what: ['oom-kill'] });
    expect(oom).not.toContain('stat (pid');
    expect(oom).toContain('4 OOM kills in 3 pods');
    const everything = historyAnswer(d, { all: true });
    expect(everything).toMatch(/\*Older than that\*:\nHung task: stat:1111/);
    expect(historyAnswer(d, { what: ['soft-lockup', 'hard-lockup', 'rcu-stall'] })).toMatch(/^No lockups or RCU stalls in the kernel log of this look \(the last 24 h; /);
  });

  it('is asked in plain words, in Slack and in the terminal (where "audit" is the remediation history)', () => {
    expect(parseWords('history')).toEqual({ kind: 'history' });
    expect(parseWords('what happened earlier?')).toEqual({ kind: 'history' });
    expect(parseWords('all history')).toEqual({ kind: 'history', all: true });
    expect(parseWords('show me all the history')).toEqual({ kind: 'history', all: true });
    expect(parseWords('show the OOM kills')).toEqual({ kind: 'history', what: ['oom-kill'] });
    expect(parseWords('all the oom kills')).toEqual({ kind: 'history', what: ['oom-kill'], all: true });
    expect(parseWords('show the hung tasks')).toEqual({ kind: 'history', what: ['hung-task'] });
    expect(parseWords('lockups')).toEqual({ kind: 'history', what: ['soft-lockup', 'hard-lockup', 'rcu-stall'] });
    expect(parseWords('why is pod web-0 stuck')).toMatchObject({ kind: 'pod' });
    expect(parseTerminalInput('history', 'node-7')).toEqual({ kind: 'intent', intent: { kind: 'history' } });
    expect(parseTerminalInput('show the OOM kills', 'node-7')).toEqual({ kind: 'intent', intent: { kind: 'history', what: ['oom-kill'] } });
    expect(parseTerminalInput('audit', 'node-7')).toEqual({ kind: 'audit' });
  });
});
