import { mrkdwnToText } from '../../../bot/src/render/mrkdwn-to-text';
import { renderReplyText } from '../../../bot/src/render/reply-text';
import { renderText } from '../../../bot/src/render/render-text';
import { emptyEvidence } from '../../../bot/src/evidence/evidence';
import type { Diagnosis } from '../../../bot/src/diagnosis/finding';

const diagnosis: Diagnosis = {
  summary: 'Zombies <pid 40> & friends',
  findings: [
    {
      id: 'zombie',
      kind: 'parent-not-reaping',
      severity: 'warning',
      confidence: 0.9,
      title: '2 zombies under app (pid 40)',
      explanation: 'Their parent does not call wait().',
      evidence: ['41 app state=Z ppid=40'],
      tasks: [],
      references: [],
      remediations: [
        { action: 'signal', pid: 41, signal: 'SIGKILL', effective: 'no', risk: 'low', why: 'a zombie is already dead' },
        { action: 'signal', pid: 40, signal: 'SIGTERM', effective: 'yes', risk: 'medium', why: 'its children are re-parented and reaped', comm: 'app', startTime: 1234 },
      ],
    },
  ],
};

/** The Reply model as text: the terminal chat and the kubectl plugin, laid out as the CLI lays out a diagnosis. */
describe('a diagnosis reply as text', () => {
  const reply = { node: 'node-7', diagnosis, choices: [{ remediation: diagnosis.findings[0].remediations[1], value: 'TOKEN', finding: diagnosis.findings[0] }], threadKey: 'terminal:1.2' };

  it("the findings as the CLI shows them, each offered remediation a numbered choice under its finding, then the thread's follow-ups", () => {
    const r = renderReplyText(reply, { color: false, numbered: true });
    expect(r.text).toBe(
      [
        'Zombies <pid 40> & friends',
        '  node node-7',
        '',
        '1. [WARNING] 2 zombies under app (pid 40)',
        '   (zombie/parent-not-reaping, confidence 0.90) · now',
        '   Their parent does not call wait().',
        '   Evidence:',
        '     41 app state=Z ppid=40',
        '   Actions:',
        '   - [will NOT work, risk low] SIGKILL to 41: a zombie is already dead',
        '   [1] SIGTERM 40 (app)',
        '',
        '  [2] Recheck   [3] Escalate',
      ].join('\n'),
    );
    expect(r.choices.map((c) => [c.number, c.action, c.value])).toEqual([
      [1, 'remediate', 'TOKEN'],
      [2, 'recheck', 'terminal:1.2'],
      [3, 'escalate', 'terminal:1.2'],
    ]);
    expect(r.choices[0].confirm).toEqual({
      text: 'Send SIGTERM to 40?\n  Node node-7\n  PID 40 (app), start time 1234 ticks\n  Signal SIGTERM\n  Expected its children are re-parented and reaped',
      question: 'Send SIGTERM? [y/N] ',
    });
  });

  it("is the CLI's layout: the same finding lines as `whystuck analyze` prints", () => {
    const cli = renderText(emptyEvidence('paste'), diagnosis).split('\n');
    const chat = renderReplyText({ ...reply, choices: [] }, { color: false, numbered: false }).text.split('\n');
    for (const line of cli.slice(2, 9)) expect(chat).toContain(line);
  });

  it("one-shot answers name the offered signals and drop the thread's follow-ups", () => {
    const r = renderReplyText(reply, { color: false, numbered: false });
    expect(r.text).toContain('   Offered in the interactive chat (npm start): SIGTERM 40 (app)');
    expect(r.text).not.toMatch(/Recheck|Escalate|\[\d\]/);
  });

  it('evidence past the shown lines goes to "Show more"', () => {
    const long = { ...diagnosis, findings: [{ ...diagnosis.findings[0], evidence: Array.from({ length: 30 }, (_, i) => `line ${i}`) }] };
    const r = renderReplyText({ ...reply, diagnosis: long, choices: [] }, { color: false, numbered: true });
    expect(r.text).toContain('     line 11');
    expect(r.text).not.toContain('     line 12');
    expect(r.overflow).toEqual([`2 zombies under app (pid 40)\n${long.findings[0].evidence.join('\n')}`]);
    expect(r.choices.map((c) => c.action)).toEqual(['recheck', 'escalate', 'show_more']);
  });

  it('mrkdwn: bold with colour only, mentions, channels, user groups, dates, links and entities', () => {
    expect(mrkdwnToText('*bold* text', { color: true })).toBe('\x1b[1mbold\x1b[22m text');
    expect(mrkdwnToText('<@local:alice> and <@U0ONCALL> in <#terminal> paged <!subteam^S0ONCALL>', { color: false })).toBe('alice and @U0ONCALL in #terminal paged @S0ONCALL');
    expect(mrkdwnToText('at <!date^1700000000^{time}|12:00 UTC>; see <https://x.example/a|the runbook>', { color: false })).toBe('at 12:00 UTC; see the runbook (https://x.example/a)');
    expect(mrkdwnToText(':rotating_light: a &lt;b&gt; &amp; :unknown_emoji:', { color: false })).toBe('‼ a <b> & :unknown_emoji:');
  });
});
