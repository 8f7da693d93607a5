import type { Remediation } from '../diagnosis/finding';
import type { DiagnosisReply, RemediationChoice } from '../conversation/outbox';
import { replyWhere, sshSourceLine, unreadLine } from '../conversation/reply-lines';
import { mrkdwnToText } from './mrkdwn-to-text';
import { renderFindings } from './render-text';

/** A choice a text reply offers: a remediation (its signed token), or a follow-up of the thread. */
export interface TextChoice {
  /** 1-based, as the terminal lists it. */
  number: number;
  label: string;
  action: 'remediate' | 'recheck' | 'escalate' | 'show_more';
  /** The remediation's signed action token, or the thread key ("CHANNEL:TS"). */
  value: string;
  /** What is asked before a signal is sent: the facts, and the y/N question. */
  confirm?: { text: string; question: string };
}

export interface ReplyTextStyle {
  /** ANSI bold; off for pipes and NO_COLOR. */
  color: boolean;
  /** false: a one-shot answer nobody can pick from — choices are named, not numbered, and the thread's follow-ups left out. */
  numbered: boolean;
}

const label = (r: Remediation): string => `${r.signal} ${r.pid} (${r.comm ?? '?'})`;

/** The confirmation before a signal: node (and the path, over SSH), pid, comm, start time, signal and the expected effect. */
export function confirmText(node: string, r: Remediation, viaSsh: boolean): { text: string; question: string } {
  const facts = [`Node ${node}${viaSsh ? ' (over SSH)' : ''}`, `PID ${r.pid} (${r.comm ?? '?'}), start time ${r.startTime ?? '?'} ticks`, `Signal ${r.signal}`, `Expected ${r.why}`];
  return { text: `Send ${r.signal} to ${r.pid}?\n${facts.map((l) => `  ${l}`).join('\n')}`, question: `Send ${r.signal}? [y/N] ` };
}

/**
 * A diagnosis reply as text — the terminal chat and the kubectl plugin: the
 * summary and its context, the findings as the CLI lays them out (one
 * renderer, render-text.ts) with each remediation offered as a numbered
 * choice under its finding, history in one line, then the thread's
 * follow-ups. What did not fit is returned as overflow ("Show more").
 */
export function renderReplyText(reply: DiagnosisReply, style: ReplyTextStyle): { text: string; choices: TextChoice[]; overflow: string[] } {
  const choices: TextChoice[] = [];
  const overflow: string[] = [];
  const viaSsh = reply.source?.path === 'ssh';
  const offer = (c: Omit<TextChoice, 'number'>): string => {
    const choice = { ...c, number: choices.length + 1 };
    choices.push(choice);
    return style.numbered ? `[${choice.number}] ${choice.label}` : choice.label;
  };
  const lines = [style.color ? `\x1b[1m${reply.diagnosis.summary}\x1b[22m` : reply.diagnosis.summary, `  ${mrkdwnToText(replyWhere(reply))}`];
  if (reply.source && viaSsh) lines.push(`  ${mrkdwnToText(sshSourceLine(reply.source))}`);
  if (reply.unread?.length) lines.push(`  ${mrkdwnToText(unreadLine(reply.unread))}`);
  lines.push('');
  const offered = (r: Remediation): boolean => reply.choices.some((c) => c.remediation === r);
  const under = (f: RemediationChoice['finding']): string[] => {
    const mine = reply.choices.filter((c) => c.finding === f).slice(0, 5);
    if (!mine.length) return [];
    const row = mine.map((c) => offer({ label: label(c.remediation), action: 'remediate', value: c.value, confirm: confirmText(reply.node, c.remediation, viaSsh) }));
    return [style.numbered ? `   ${row.join('   ')}` : `   Offered in the interactive chat (npm start): ${row.join(' · ')}`];
  };
  lines.push(...renderFindings(reply.diagnosis, { bold: style.color, offered, under, history: 'line' }, overflow));
  if (reply.note) lines.push(`  ${mrkdwnToText(reply.note)}`);
  if (style.numbered) {
    const follow = [
      ...(reply.recheck === false ? [] : [offer({ label: 'Recheck', action: 'recheck', value: reply.threadKey })]),
      offer({ label: 'Escalate', action: 'escalate', value: reply.threadKey }),
      ...(overflow.length ? [offer({ label: 'Show more', action: 'show_more', value: reply.threadKey })] : []),
    ];
    lines.push(`  ${follow.join('   ')}`);
  }
  return {
    text: lines
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim(),
    choices,
    overflow,
  };
}
