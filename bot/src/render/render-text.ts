import type { Evidence } from '../evidence/evidence';
import type { Diagnosis, Finding, Remediation } from '../diagnosis/finding';
import { whenWords, type WhenStyle } from '../diagnosis/when-words';
import { historyEntry, isEarlier, scopeWords, styleFor } from './history-words';

const MARK: Record<Remediation['effective'], string> = { yes: 'works', no: 'will NOT work', unknown: 'may help' };

function wrap(text: string, indent: string, width = 100): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + w.length + 1 > width - indent.length) { lines.push(line); line = w; } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

function action(r: Remediation): string {
  const what = r.action === 'signal' ? `${r.signal} to ${r.pid ?? '?'}${r.comm ? ` (${r.comm})` : ''}` : r.command ?? r.action;
  return `[${MARK[r.effective]}, risk ${r.risk}] ${r.action === 'signal' ? what : r.action}: ${r.why}`;
}

function renderFinding(f: Finding, i: number, style: WhenStyle): string {
  const out = [`${i + 1}. [${f.severity.toUpperCase()}] ${f.title}`, `   (${f.id}${f.kind ? `/${f.kind}` : ''}, confidence ${f.confidence.toFixed(2)}) · ${whenWords(f, style)}`, wrap(f.explanation, '   ')];
  if (f.breakdown?.length) out.push('   Where:', ...historyEntry(f, style, 12).slice(2).map((l) => `   ${l}`));
  if (f.evidence.length) out.push('   Evidence:', ...f.evidence.slice(0, 12).map((e) => `     ${e.length > 160 ? `${e.slice(0, 157)}...` : e}`));
  if (f.tasks.length) out.push(`   Tasks: ${f.tasks.slice(0, 8).map((t) => `${t.comm}:${t.tid ?? t.pid ?? '?'} ${t.state} (${t.role})`).join(', ')}`);
  if (f.remediations.length) {
    out.push('   Actions:', ...f.remediations.map((r) => wrap(action(r), '     ').replace(/^ {5}/, '   - ') + (r.action !== 'signal' && r.command ? `\n       $ ${r.command}` : '')));
  }
  if (f.references.length) out.push(`   References: ${f.references.join('; ')}`);
  return out.join('\n');
}

/**
 * Human output: the ranked summary sentence, then what is stuck now, each
 * finding with evidence and actions, then what the kernel log shows from
 * earlier (grouped, with where and when), then what was read.
 */
export function renderText(ev: Evidence, d: Diagnosis): string {
  const style = styleFor(d);
  const parts = [d.summary, ''];
  const now = d.findings.filter((f) => !isEarlier(f));
  const earlier = d.findings.filter(isEarlier);
  now.forEach((f, i) => parts.push(renderFinding(f, i, style), ''));
  const h = d.history;
  if (h && (earlier.length || h.older.length)) {
    const scope = scopeWords(h, style);
    parts.push(`Earlier, from the log (${scope}): ${earlier.length ? `${earlier.length} finding${earlier.length === 1 ? '' : 's'}, none of it live now` : 'nothing'}.`, '');
    earlier.forEach((f, i) => parts.push(renderFinding(f, now.length + i, style), ''));
    if (h.older.length) parts.push(`Older than that (${h.older.length}; --all-history shows them in full): ${h.older.slice(0, 4).map((f) => f.title).join(' · ')}${h.older.length > 4 ? ' · …' : ''}`, '');
  }
  const read = ev.inputs.filter((x) => x.kind !== 'unrecognised' && x.kind !== 'command');
  if (ev.source === 'paste') {
    const kinds = [...new Set(read.map((x) => x.kind))];
    parts.push(`Read: ${kinds.length ? kinds.map((k) => `${k} (lines ${read.filter((x) => x.kind === k).map((x) => (x.lines[0] === x.lines[1] ? x.lines[0] : `${x.lines[0]}-${x.lines[1]}`)).slice(0, 4).join(', ')})`).join('; ') : 'nothing recognisable'}`);
    const skipped = ev.inputs.filter((x) => x.kind === 'unrecognised');
    if (skipped.length) parts.push(`Not understood: lines ${skipped.slice(0, 8).map((x) => (x.lines[0] === x.lines[1] ? x.lines[0] : `${x.lines[0]}-${x.lines[1]}`)).join(', ')}${skipped.length > 8 ? ', ...' : ''}`);
  }
  for (const u of ev.unreadable.slice(0, 8)) parts.push(`Could not read lines ${u.lines[0]}-${u.lines[1]}: ${u.reason}`);
  for (const m of ev.missing.slice(0, 8)) parts.push(`Missing: ${m}`);
  return `${parts.join('\n').trimEnd()}\n`;
}
