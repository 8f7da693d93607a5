import { parseCommand, parseWords, type Intent } from '../intents/parse-intent';

/**
 * A line typed in the terminal chat. The Slack intents come first (the same
 * words work in both); on top of them the terminal knows it is on one
 * machine: "why is pid 1234 stuck" and "what's stuck here" need no node
 * name, and a bare number picks one of the listed choices.
 */
export type TerminalInput = { kind: 'empty' } | { kind: 'quit' } | { kind: 'help' } | { kind: 'pods' } | { kind: 'audit' } | { kind: 'choice'; number: number } | { kind: 'intent'; intent: Intent };

const FOLLOW_UPS = new Set<Intent['kind']>(['stack', 'dmesg', 'tree', 'recheck', 'kill', 'escalate', 'analyze', 'sweep', 'help', 'history', 'layer']);
const HERE = new Set(['here', 'this', 'localhost', 'me', 'local']);
const VAGUE = /\b(stuck|wrong|hung|hangs?|hanging|zombies?|defunct|d[ -]state|uninterruptible|load|slow|unkillable|this (machine|node|host|box))\b|^(status|check)$/i;

function focusOf(lower: string): 'zombies' | 'D' | undefined {
  if (/\bzombies?\b|defunct/.test(lower)) return 'zombies';
  if (/\bd[ -]state\b|\buninterruptible\b|\bin d\b/.test(lower)) return 'D';
  return undefined;
}

export function parseTerminalInput(line: string, localNode: string): TerminalInput {
  const text = line.trim().replace(/^[/@]whystuck\b\s*/i, '');
  const lower = text.toLowerCase().replace(/[?!.]+$/, '');
  if (!text) return { kind: 'empty' };
  if (/^\d{1,3}$/.test(text)) return { kind: 'choice', number: Number(text) };
  if (/^(quit|exit|q|bye)$/.test(lower)) return { kind: 'quit' };
  if (/^(help|usage|\?)$/.test(lower)) return { kind: 'help' };
  if (/^((list|show|which|what) )?pods( here| on this (machine|node))?$/.test(lower)) return { kind: 'pods' };
  // "history" is the kernel log's history of the last answer; the remediation history is the audit log.
  if (/^(audit|audit log|show (the )?audit( log)?|remediation history|(show )?(the )?remediations)$/.test(lower)) return { kind: 'audit' };

  const words = parseWords(text);
  if (FOLLOW_UPS.has(words.kind)) return { kind: 'intent', intent: words };
  if (/^(pod|node|pid) \S+ \S/i.test(text)) {
    const command = parseCommand(text);
    if (command.kind !== 'unknown') return { kind: 'intent', intent: command };
  }
  const pid = /\b(?:pid|process)\s+(\d{1,7})\b(?:.*\bon (?:node )?([a-z0-9][\w.-]*))?/i.exec(text);
  if (pid) return { kind: 'intent', intent: { kind: 'pid', pid: pid[1], node: pid[2] && !HERE.has(pid[2].toLowerCase()) ? pid[2] : localNode } };
  if (words.kind === 'node') return { kind: 'intent', intent: { ...words, node: HERE.has(words.node.toLowerCase()) ? localNode : words.node } };
  if (words.kind === 'pod') return { kind: 'intent', intent: words };
  if (VAGUE.test(lower)) return { kind: 'intent', intent: { kind: 'node', node: localNode, focus: focusOf(lower) } };
  return { kind: 'intent', intent: words };
}

export const TERMINAL_HELP = [
  'Ask about this machine in plain words, e.g.:',
  "  why is pid 1234 stuck            what's stuck here              any zombies?",
  '  anything in D state?             why is pod 6f1c2a4e stuck       pods',
  'Then, about the last answer: "show the stack of 8912", "dmesg", "process tree", "recheck", "kill 112272",',
  '  "history" (what the kernel log shows from earlier, by pod and time), "all history", "show the OOM kills";',
  '  about a pod: "events", "finalizers", "runtime" (what the container runtime reports), "mounts" (volumes, claims, mounts).',
  'A number picks one of the listed choices (a signal asks for confirmation first).',
  "`audit` shows the last remediations, `quit` ends. Slack's forms work too: pod NAME -n NS, node NAME, pid NODE PID, sweep.",
].join('\n');
