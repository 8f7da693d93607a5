import type { Finding, Remediation } from '../diagnosis/finding';
import { whenWords, type WhenStyle } from '../diagnosis/when-words';
import { historyEntry, historyLine, isEarlier, scopeWords, styleFor } from '../render/history-words';
import { clip as clipTo, escapeText as escape } from '../conversation/markup';
import type { DiagnosisReply, RemediationChoice } from '../conversation/outbox';
import { replyWhere, sshSourceLine, unreadLine } from '../conversation/reply-lines';

/** Block Kit limits: 50 blocks per message, 3000 characters per text object, 75 per button label / confirm title. */
export const MAX_BLOCKS = 50;
export const MAX_TEXT = 3000;

type Block = Record<string, unknown>;

export const clip = (s: string, n = MAX_TEXT): string => clipTo(s, n);
const mrkdwn = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text) } });
const code = (lines: string[]): string => clip(`\`\`\`${escape(lines.join('\n')).replace(/```/g, "'''")}\`\`\``);
/** A suggested command: inline code, or a code block when a backtick or newline (inside its quotes) would end inline code. */
const inlineCommand = (cmd: string): string => (/[`\n]/.test(cmd) ? `\n${code([cmd])}` : ` \`${escape(cmd)}\``);

const ICON = { critical: ':red_circle:', warning: ':large_orange_circle:', info: ':white_circle:' };

/** Wall-clock times as Slack date tokens: each reader sees them in their own time zone (the terminal shows the fallback). */
const slackClock: WhenStyle['clock'] = (ms, text) => `<!date^${Math.floor(ms / 1000)}^{time}|${text}>`;

/** Without a finding that is current, this many history findings are shown in full (they are the answer then). */
const HISTORY_IN_FULL = 3;

/** A finding as "Show more" and the history follow-up give it: title, when, explanation, where, evidence. */
export function findingText(f: Finding, style: WhenStyle): string {
  const where = f.breakdown?.length ? `\n${historyEntry(f, style, 30).slice(2).join('\n')}` : '';
  return `${f.severity.toUpperCase()} ${f.title}\n${whenWords(f, style)}\n${f.explanation}${where}\n${f.evidence.join('\n')}`;
}

export type ButtonSpec = RemediationChoice;

/** Confirm dialog: node (and the path, over SSH), pid, comm, start time, signal and the expected effect. */
function confirm(node: string, r: Remediation, viaSsh: boolean): Block {
  return {
    title: { type: 'plain_text', text: clip(`Send ${r.signal} to ${r.pid}?`, 100) },
    text: {
      type: 'mrkdwn',
      text: clip(`*Node* ${node}${viaSsh ? ' (over SSH)' : ''}\n*PID* ${r.pid} (${r.comm ?? '?'}), start time ${r.startTime ?? '?'} ticks\n*Signal* ${r.signal}\n*Expected* ${r.why}`, 300),
    },
    confirm: { type: 'plain_text', text: clip(`Send ${r.signal}`, 30) },
    deny: { type: 'plain_text', text: 'Cancel' },
    style: 'danger',
  };
}

/** The Reply model, as the Block Kit renderer takes it. */
export type DiagnosisReplyOptions = DiagnosisReply;

export { sshSourceLine, unreadLine } from '../conversation/reply-lines';

/** The diagnosis reply: summary first, then findings with evidence, then actions. */
export function diagnosisBlocks(opts: DiagnosisReplyOptions): { text: string; blocks: Block[]; overflow: string[] } {
  const { node, diagnosis, choices: buttons } = opts;
  const blocks: Block[] = [mrkdwn(`*${escape(diagnosis.summary)}*`)];
  const where = replyWhere(opts);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(where) }] });
  const viaSsh = opts.source?.path === 'ssh';
  if (opts.source && viaSsh) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(escape(sshSourceLine(opts.source))) }] });
  if (opts.unread?.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(escape(unreadLine(opts.unread))) }] });
  const overflow: string[] = [];
  const style = styleFor(diagnosis, slackClock);
  const plain = styleFor(diagnosis);
  // The first screen: what is stuck now in full; history in one line under it (in full only when nothing is current).
  const now = diagnosis.findings.filter((f) => !isEarlier(f));
  const earlier = diagnosis.findings.filter(isEarlier);
  const full = now.length ? now : earlier.slice(0, HISTORY_IN_FULL);
  const summarised = earlier.filter((f) => !full.includes(f));
  // A finding takes at most 5 blocks; the history line, closing divider, note and actions 4: stop before 50.
  for (const f of full) {
    if (blocks.length > MAX_BLOCKS - 9) {
      overflow.push(findingText(f, plain));
      continue;
    }
    blocks.push({ type: 'divider' });
    blocks.push(mrkdwn(`${ICON[f.severity]} *${escape(f.title)}*${f.when ? ` · ${whenWords(f, style)}` : ''}\n${escape(f.explanation)}`));
    if (f.evidence.length) {
      const shown = f.evidence.slice(0, 12);
      blocks.push(mrkdwn(code(shown)));
      if (f.evidence.length > shown.length) overflow.push(`${f.title}\n${f.evidence.join('\n')}`);
    }
    const words = f.remediations.filter((r) => !buttons.some((b) => b.remediation === r));
    if (words.length) {
      blocks.push(
        mrkdwn(
          words
            .map(
              (r) =>
                `${r.effective === 'no' ? ':x:' : r.effective === 'yes' ? ':white_check_mark:' : ':grey_question:'} ${r.action === 'signal' ? `${r.signal} ${r.effective === 'no' ? 'cannot end' : 'to'} pid ${r.pid}: ` : ''}${escape(r.why)}${r.command && r.action !== 'signal' ? inlineCommand(r.command) : ''}`,
            )
            .join('\n'),
        ),
      );
    }
    const mine = buttons.filter((b) => b.finding === f).slice(0, 5);
    if (mine.length) {
      blocks.push({
        type: 'actions',
        elements: mine.map((b, i) => ({
          type: 'button',
          action_id: `remediate_${i}`,
          style: 'danger',
          value: b.value,
          text: { type: 'plain_text', text: clip(`${b.remediation.signal} ${b.remediation.pid} (${b.remediation.comm ?? '?'})`, 75) },
          confirm: confirm(node, b.remediation, viaSsh),
        })),
      });
    }
  }
  for (const f of summarised) overflow.push(findingText(f, plain));
  const h = diagnosis.history;
  const line =
    summarised.length || h?.older.length
      ? `${historyLine({ ...diagnosis, findings: summarised }, style, 3, escape)} — say "history" for where and when`
      : h && full.some(isEarlier)
        ? `Nothing above is live now: it is history (${scopeWords(h, style)}). Say "history" for where and when.`
        : '';
  if (line) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(`:clock3: ${line}`) }] });
  blocks.push({ type: 'divider' });
  if (opts.note) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(opts.note) }] });
  blocks.push({
    type: 'actions',
    elements: [
      ...(opts.recheck === false ? [] : [{ type: 'button', action_id: 'recheck', text: { type: 'plain_text', text: 'Recheck' }, value: opts.threadKey }]),
      { type: 'button', action_id: 'escalate', text: { type: 'plain_text', text: 'Escalate' }, value: opts.threadKey },
      ...(overflow.length ? [{ type: 'button', action_id: 'show_more', text: { type: 'plain_text', text: 'Show more' }, value: opts.threadKey }] : []),
    ],
  });
  return { text: clip(diagnosis.summary), blocks: blocks.slice(0, MAX_BLOCKS), overflow };
}
