import { renderBlocks, renderConfirm } from '../../../bot/src/chat/blocks-to-text';
import { mrkdwnToText } from '../../../bot/src/chat/mrkdwn-to-text';
import { diagnosisBlocks } from '../../../bot/src/slack/diagnosis-blocks';
import type { Diagnosis } from '../../../bot/src/diagnosis/finding';

const diagnosis: Diagnosis = {
  summary: 'Zombies <pid 40> & friends',
  findings: [{
    id: 'zombie', kind: 'parent-not-reaping', severity: 'warning', confidence: 0.9, title: '2 zombies under app (pid 40)',
    explanation: 'Their parent does not call wait().', evidence: ['41 app state=Z ppid=40'], tasks: [], references: [],
    remediations: [
      { action: 'signal', pid: 41, signal: 'SIGKILL', effective: 'no', risk: 'low', why: 'a zombie is already dead' },
      { action: 'signal', pid: 40, signal: 'SIGTERM', effective: 'yes', risk: 'medium', why: 'its children are re-parented and reaped', comm: 'app', startTime: 1234 },
    ],
  }],
};

describe('Slack blocks in a terminal', () => {
  const reply = diagnosisBlocks({ node: 'node-7', diagnosis, choices: [{ remediation: diagnosis.findings[0].remediations[1], value: 'TOKEN', finding: diagnosis.findings[0] }], threadKey: 'terminal:1.2' });

  it('shows the diagnosis as text with every button a numbered choice carrying its action, value and confirm dialog', () => {
    const r = renderBlocks(reply.blocks, { color: false });
    expect(r.text).toBe([
      'Zombies <pid 40> & friends',
      '  node node-7',
      '',
      'WARNING 2 zombies under app (pid 40)',
      'Their parent does not call wait().',
      '    41 app state=Z ppid=40',
      '✗ SIGKILL cannot end pid 41: a zombie is already dead',
      '  [1] SIGTERM 40 (app)',
      '',
      '  [2] Recheck   [3] Escalate',
    ].join('\n'));
    expect(r.choices.map((c) => [c.number, c.actionId, c.value])).toEqual([[1, 'remediate_0', 'TOKEN'], [2, 'recheck', 'terminal:1.2'], [3, 'escalate', 'terminal:1.2']]);
    const confirm = renderConfirm(r.choices[0].confirm!, { color: false });
    expect(confirm.text).toBe('Send SIGTERM to 40?\n  Node node-7\n  PID 40 (app), start time 1234 ticks\n  Signal SIGTERM\n  Expected its children are re-parented and reaped');
    expect(confirm.question).toBe('Send SIGTERM? [y/N] ');
  });

  it('one-shot answers name the offered signals and drop the thread buttons', () => {
    const r = renderBlocks(reply.blocks, { color: false, numbered: false });
    expect(r.text).toContain('  Offered in the interactive chat (npm start): SIGTERM 40 (app)');
    expect(r.text).not.toMatch(/Recheck|Escalate|\[\d\]/);
  });

  it('mrkdwn: bold with colour only, mentions, channels, user groups, dates, links and entities', () => {
    expect(mrkdwnToText('*bold* text', { color: true })).toBe('\x1b[1mbold\x1b[22m text');
    expect(mrkdwnToText('<@local:alice> and <@U0ONCALL> in <#terminal> paged <!subteam^S0ONCALL>', { color: false })).toBe('alice and @U0ONCALL in #terminal paged @S0ONCALL');
    expect(mrkdwnToText('at <!date^1700000000^{time}|12:00 UTC>; see <https://x.example/a|the runbook>', { color: false })).toBe('at 12:00 UTC; see the runbook (https://x.example/a)');
    expect(mrkdwnToText(':rotating_light: a &lt;b&gt; &amp; :unknown_emoji:', { color: false })).toBe('‼ a <b> & :unknown_emoji:');
  });
});
