import { mrkdwnToText, type TextStyle } from './mrkdwn-to-text';

/**
 * A Block Kit message (what the Slack conversation posts) for a terminal:
 * sections and context lines as text, and every button as a numbered choice
 * carrying its action id, value and confirmation dialog unchanged.
 */
type TextObject = { type?: string; text?: string };
type Element = { type?: string; action_id?: string; value?: string; text?: TextObject | string; confirm?: ConfirmDialog };
type Block = { type?: string; text?: TextObject; elements?: Element[] };

export interface ConfirmDialog {
  title?: TextObject;
  text?: TextObject;
  confirm?: TextObject;
  deny?: TextObject;
}

export interface Choice {
  /** 1-based, as the terminal lists it. */
  number: number;
  label: string;
  actionId: string;
  value: string;
  confirm?: ConfirmDialog;
}

export interface RenderedMessage {
  text: string;
  choices: Choice[];
}

const THREAD_ACTIONS = new Set(['recheck', 'escalate', 'show_more']);

const plain = (t: TextObject | string | undefined): string => (typeof t === 'string' ? t : t?.text ?? '');

/** `numbered: false` lists the buttons by name only (a one-shot answer nobody can pick from). */
export function renderBlocks(blocks: unknown[], style: TextStyle & { numbered?: boolean }, firstNumber = 1): RenderedMessage {
  const lines: string[] = [];
  const choices: Choice[] = [];
  for (const b of blocks as Block[]) {
    switch (b.type) {
      case 'section':
        lines.push(mrkdwnToText(b.text?.text ?? '', style));
        break;
      case 'context':
        lines.push(`  ${(b.elements ?? []).map((e) => mrkdwnToText(plain(e.text ?? (e as TextObject).text), style)).join(' · ')}`);
        break;
      case 'divider':
        lines.push('');
        break;
      case 'actions': {
        const row: string[] = [];
        for (const e of b.elements ?? []) {
          if (e.type !== 'button' || !e.action_id) continue;
          // Listed by name only: the follow-up buttons (Recheck, Escalate, Show more) mean nothing after the answer.
          if (style.numbered === false && THREAD_ACTIONS.has(e.action_id)) continue;
          const choice: Choice = { number: firstNumber + choices.length, label: plain(e.text), actionId: e.action_id, value: e.value ?? '', confirm: e.confirm };
          choices.push(choice);
          row.push(style.numbered === false ? choice.label : `[${choice.number}] ${choice.label}`);
        }
        if (row.length) lines.push(style.numbered === false ? `  Offered in the interactive chat (npm start): ${row.join(' · ')}` : `  ${row.join('   ')}`);
        break;
      }
      default:
        break;
    }
  }
  return { text: lines.join('\n').replace(/\n{3,}/g, '\n\n').trim(), choices };
}

/** The confirmation a Slack confirm dialog shows, as terminal lines, and the question to answer. */
export function renderConfirm(dialog: ConfirmDialog, style: TextStyle): { text: string; question: string } {
  const title = plain(dialog.title);
  const body = mrkdwnToText(plain(dialog.text), style).split('\n').map((l) => `  ${l}`).join('\n');
  return { text: `${title}\n${body}`, question: `${plain(dialog.confirm) || 'Confirm'}? [y/N] ` };
}
