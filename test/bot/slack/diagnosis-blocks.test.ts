import type { Finding } from '../../../bot/src/diagnosis/finding';
import { diagnosisBlocks, MAX_BLOCKS, MAX_TEXT } from '../../../bot/src/slack/diagnosis-blocks';

const finding = (i: number): Finding => ({
  id: 'uninterruptible-io',
  severity: 'critical',
  confidence: 0.9,
  title: `finding ${i} <b>`,
  explanation: 'x'.repeat(5000),
  evidence: Array.from({ length: 30 }, (_v, j) => `evidence line ${j} ${'y'.repeat(200)}`),
  tasks: [],
  references: [],
  remediations: [{ action: 'signal', pid: 100 + i, signal: 'SIGKILL', effective: 'no', risk: 'medium', why: 'it is in D' }],
});

describe('Block Kit limits', () => {
  it('keeps to 50 blocks and 3000 characters per text, escapes mrkdwn, and offers Show more for the rest', () => {
    const r = diagnosisBlocks({ node: 'node-a', diagnosis: { summary: 's'.repeat(4000), findings: Array.from({ length: 40 }, (_v, i) => finding(i)) }, choices: [], threadKey: 'C:1' });
    expect(r.blocks.length).toBeLessThanOrEqual(MAX_BLOCKS);
    const texts = JSON.stringify(r.blocks).match(/"text":"((?:[^"\\\\]|\\\\.)*)"/g) ?? [];
    for (const t of texts) expect(JSON.parse(`{${t}}`).text.length).toBeLessThanOrEqual(MAX_TEXT);
    expect(r.overflow.length).toBeGreaterThan(0);
    expect(JSON.stringify(r.blocks)).toContain('show_more');
    expect(JSON.stringify(r.blocks)).toContain('finding 0 &lt;b&gt;');
    expect(r.text.length).toBeLessThanOrEqual(MAX_TEXT);
  });

  it('with a button per finding, a long context line and an auto-escalation note, the actions still close the message within 50 blocks', () => {
    const findings = Array.from({ length: 40 }, (_v, i) => ({
      ...finding(i),
      remediations: [
        { action: 'signal' as const, pid: 100 + i, signal: 'SIGKILL' as const, startTime: 5, comm: 'x', effective: 'yes' as const, risk: 'medium' as const, why: 'w'.repeat(400) },
        { action: 'manual' as const, effective: 'unknown' as const, risk: 'low' as const, why: 'v'.repeat(4000) },
      ],
    }));
    const buttons = findings.map((f) => ({ remediation: f.remediations[0], value: 'token', finding: f }));
    const r = diagnosisBlocks({ node: 'node-a', diagnosis: { summary: 's', findings }, choices: buttons, threadKey: 'C:1', where: 'p'.repeat(5000), note: 'n'.repeat(5000), recheck: false });
    expect(r.blocks.length).toBeLessThanOrEqual(MAX_BLOCKS);
    const last = r.blocks[r.blocks.length - 1] as { type: string; elements: { action_id: string }[] };
    expect(last.type).toBe('actions');
    expect(last.elements.map((e) => e.action_id)).toEqual(['escalate', 'show_more']);
    expect(r.blocks[r.blocks.length - 2]).toMatchObject({ type: 'context', elements: [{ text: expect.stringMatching(/^n+…$/) }] });
    const texts = JSON.stringify(r.blocks).match(/"text":"((?:[^"\\\\]|\\\\.)*)"/g) ?? [];
    for (const t of texts) expect(JSON.parse(`{${t}}`).text.length).toBeLessThanOrEqual(MAX_TEXT);
  });
});
