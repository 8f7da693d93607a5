import type { Evidence } from '../evidence/evidence';
import type { Diagnosis, Finding, Remediation } from '../diagnosis/finding';
import { whenWords, type WhenStyle } from '../diagnosis/when-words';
import { historyEntry, historyLine, isEarlier, scopeWords, styleFor } from './history-words';

const MARK: Record<Remediation['effective'], string> = { yes: 'works', no: 'will NOT work', unknown: 'may help' };

function wrap(text: string, indent: string, width = 100): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + w.length + 1 > width - indent.length) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

function action(r: Remediation): string {
  const what = r.action === 'signal' ? `${r.signal} to ${r.pid ?? '?'}${r.comm ? ` (${r.comm})` : ''}` : (r.command ?? r.action);
  return `[${MARK[r.effective]}, risk ${r.risk}] ${r.action === 'signal' ? what : r.action}: ${r.why}`;
}

/** How findings are laid out: the CLI's full report, or the chat's reply (its choices under each finding, history in one line). */
export interface FindingsLayout {
  /** Bold headings (ANSI), for a terminal that shows colour. */
  bold?: boolean;
  /** Remediations offered as choices: listed by their choice under the finding, not among its actions. */
  offered?: (r: Remediation) => boolean;
  /** Lines under a finding (the chat's numbered choices). */
  under?: (f: Finding) => string[];
  /** 'full' (default): earlier findings in full; 'line': one line, and "history" tells more. */
  history?: 'full' | 'line';
  /** Evidence lines shown per finding (default 12); the rest are returned as overflow. */
  evidenceLines?: number;
}

const strong = (text: string, on: boolean | undefined): string => (on ? `\x1b[1m${text}\x1b[22m` : text);

function renderFinding(f: Finding, i: number, style: WhenStyle, layout: FindingsLayout = {}, overflow?: string[]): string {
  const shown = layout.evidenceLines ?? 12;
  const out = [
    strong(`${i + 1}. [${f.severity.toUpperCase()}] ${f.title}`, layout.bold),
    `   (${f.id}${f.kind ? `/${f.kind}` : ''}, confidence ${f.confidence.toFixed(2)}) · ${whenWords(f, style)}`,
    wrap(f.explanation, '   '),
  ];
  if (f.breakdown?.length)
    out.push(
      '   Where:',
      ...historyEntry(f, style, 12)
        .slice(2)
        .map((l) => `   ${l}`),
    );
  if (f.evidence.length) out.push('   Evidence:', ...f.evidence.slice(0, shown).map((e) => `     ${e.length > 160 ? `${e.slice(0, 157)}...` : e}`));
  if (f.evidence.length > shown) overflow?.push(`${f.title}\n${f.evidence.join('\n')}`);
  if (f.tasks.length)
    out.push(
      `   Tasks: ${f.tasks
        .slice(0, 8)
        .map((t) => `${t.comm}:${t.tid ?? t.pid ?? '?'} ${t.state} (${t.role})`)
        .join(', ')}`,
    );
  const actions = f.remediations.filter((r) => !layout.offered?.(r));
  if (actions.length) {
    out.push('   Actions:', ...actions.map((r) => wrap(action(r), '     ').replace(/^ {5}/, '   - ') + (r.action !== 'signal' && r.command ? `\n       $ ${r.command}` : '')));
  }
  if (f.references.length) out.push(`   References: ${f.references.join('; ')}`);
  out.push(...(layout.under?.(f) ?? []));
  return out.join('\n');
}

/**
 * The findings of a diagnosis as text, one layout for the CLI and the chat:
 * what is stuck now, numbered, each with its evidence and actions; then what
 * the kernel log shows from earlier — in full, or (the chat) in one line.
 * Evidence past the shown lines is pushed to `overflow` when given.
 */
export function renderFindings(d: Diagnosis, layout: FindingsLayout = {}, overflow?: string[]): string[] {
  const style = styleFor(d);
  const parts: string[] = [];
  const now = d.findings.filter((f) => !isEarlier(f));
  const earlier = d.findings.filter(isEarlier);
  // Nothing current: the history is the answer, in full.
  const inLine = layout.history === 'line' && now.length > 0;
  now.forEach((f, i) => parts.push(renderFinding(f, i, style, layout, overflow), ''));
  const h = d.history;
  if (inLine) {
    const line = historyLine(d, style);
    if (line) parts.push(`◷ ${line} — say "history" for where and when`, '');
    for (const f of earlier) overflow?.push(`${f.title}\n${whenWords(f, style)}\n${f.explanation}\n${f.evidence.join('\n')}`);
    return parts;
  }
  if (h && (earlier.length || h.older.length)) {
    const scope = scopeWords(h, style);
    parts.push(`Earlier, from the log (${scope}): ${earlier.length ? `${earlier.length} finding${earlier.length === 1 ? '' : 's'}, none of it live now` : 'nothing'}.`, '');
    earlier.forEach((f, i) => parts.push(renderFinding(f, now.length + i, style, layout, overflow), ''));
    if (h.older.length)
      parts.push(
        `Older than that (${h.older.length}; ${layout.history === 'line' ? '"all history"' : '--all-history'} shows them in full): ${h.older
          .slice(0, 4)
          .map((f) => f.title)
          .join(' · ')}${h.older.length > 4 ? ' · …' : ''}`,
        '',
      );
  }
  return parts;
}

/**
 * Human output: the ranked summary sentence, then what is stuck now, each
 * finding with evidence and actions, then what the kernel log shows from
 * earlier (grouped, with where and when), then what was read.
 */
export function renderText(ev: Evidence, d: Diagnosis): string {
  const parts = [d.summary, '', ...renderFindings(d)];
  const read = ev.inputs.filter((x) => x.kind !== 'unrecognised' && x.kind !== 'command');
  if (ev.source === 'paste') {
    const kinds = [...new Set(read.map((x) => x.kind))];
    parts.push(
      `Read: ${
        kinds.length
          ? kinds
              .map(
                (k) =>
                  `${k} (lines ${read
                    .filter((x) => x.kind === k)
                    .map((x) => (x.lines[0] === x.lines[1] ? x.lines[0] : `${x.lines[0]}-${x.lines[1]}`))
                    .slice(0, 4)
                    .join(', ')})`,
              )
              .join('; ')
          : 'nothing recognisable'
      }`,
    );
    const skipped = ev.inputs.filter((x) => x.kind === 'unrecognised');
    if (skipped.length)
      parts.push(
        `Not understood: lines ${skipped
          .slice(0, 8)
          .map((x) => (x.lines[0] === x.lines[1] ? x.lines[0] : `${x.lines[0]}-${x.lines[1]}`))
          .join(', ')}${skipped.length > 8 ? ', ...' : ''}`,
      );
  }
  for (const u of ev.unreadable.slice(0, 8)) parts.push(`Could not read lines ${u.lines[0]}-${u.lines[1]}: ${u.reason}`);
  for (const m of ev.missing.slice(0, 8)) parts.push(`Missing: ${m}`);
  return `${parts.join('\n').trimEnd()}\n`;
}
