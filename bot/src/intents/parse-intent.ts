/**
 * What someone asked, from a slash command ("pod prometheus-0 -n monitoring")
 * or plain words in a mention ("why is pod prometheus-0 terminating?").
 * Names are taken as typed; they are validated before any lookup.
 */
export type Intent =
  | { kind: 'pod'; name: string; namespace?: string; focus?: 'zombies' | 'D' }
  | { kind: 'node'; node: string; focus?: 'zombies' | 'D' }
  | { kind: 'pid'; node?: string; pid: string }
  | { kind: 'sweep' }
  | { kind: 'analyze' }
  | { kind: 'escalate' }
  | { kind: 'help' }
  | { kind: 'stack'; pid: string }
  | { kind: 'dmesg' }
  | { kind: 'tree' }
  | { kind: 'recheck' }
  | { kind: 'kill'; pid: string; signal?: 'SIGKILL' | 'SIGTERM' }
  /** What the kernel log shows from earlier, by place: all of it beyond the window, or only some kinds (finding ids). */
  | { kind: 'history'; all?: boolean; what?: string[] }
  /** The pod's Kubernetes layer in a thread: its events, finalizers, the runtime's view, its volumes and mounts. */
  | { kind: 'layer'; what: 'events' | 'finalizers' | 'runtime' | 'mounts' }
  | { kind: 'unknown'; text: string };

const clean = (text: string): string =>
  text
    .replace(/<@[A-Z0-9]+(?:\|[^>]*)?>/g, ' ')
    .replace(/[?!]+\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim();

/** `/whystuck ...` */
export function parseCommand(text: string): Intent {
  const words = clean(text).split(' ').filter(Boolean);
  const [verb, ...rest] = words;
  switch ((verb ?? 'help').toLowerCase()) {
    case 'pod': {
      const ns = rest.findIndex((w) => w === '-n' || w === '--namespace');
      const namespace = ns >= 0 ? rest[ns + 1] : undefined;
      const name = rest.filter((_w, i) => ns < 0 || (i !== ns && i !== ns + 1))[0];
      if (!name) return { kind: 'unknown', text };
      const slash = /^([^/]+)\/(.+)$/.exec(name);
      return slash ? { kind: 'pod', namespace: slash[1], name: slash[2] } : { kind: 'pod', name, namespace };
    }
    case 'node':
      return rest[0] ? { kind: 'node', node: rest[0] } : { kind: 'unknown', text };
    case 'pid':
      return rest.length >= 2 ? { kind: 'pid', node: rest[0], pid: rest[1] } : { kind: 'unknown', text };
    case 'sweep':
      return { kind: 'sweep' };
    case 'analyze':
      return { kind: 'analyze' };
    case 'escalate':
      return { kind: 'escalate' };
    case 'help':
      return { kind: 'help' };
    default:
      return parseWords(text);
  }
}

const NAME = '([A-Za-z0-9][^\\s]*?)';

/** Plain words, in a mention or a thread follow-up. */
export function parseWords(text: string): Intent {
  const t = clean(text);
  const lower = t.toLowerCase();
  let m: RegExpExecArray | null;
  if ((m = /^(?:show (?:me )?)?(?:the )?stack (?:of |for )?(?:pid )?(\S+)$/i.exec(t))) return { kind: 'stack', pid: m[1] };
  if (/^(?:show (?:me )?)?(?:the )?(?:dmesg|kernel log)$/.test(lower)) return { kind: 'dmesg' };
  if (/^(?:show (?:me )?)?(?:the )?(?:process tree|ps tree|pstree|tree)$/.test(lower)) return { kind: 'tree' };
  if (/^(?:recheck|check again|re-check|again)$/.test(lower)) return { kind: 'recheck' };
  if ((m = /^(?:kill(?: -9| -kill)?|sigkill) (?:pid )?(\S+)$/i.exec(t))) return { kind: 'kill', pid: m[1], signal: 'SIGKILL' };
  if ((m = /^(?:kill -15|kill -term|sigterm|terminate) (?:pid )?(\S+)$/i.exec(t))) return { kind: 'kill', pid: m[1], signal: 'SIGTERM' };
  if (/^(?:escalate|page (?:on-?call|someone))$/.test(lower)) return { kind: 'escalate' };
  const history = historyWords(lower);
  if (history) return history;
  const layer = layerWords(lower);
  if (layer) return { kind: 'layer', what: layer };
  if (/^(?:help|usage|\?)$/.test(lower)) return { kind: 'help' };
  if (/^(?:analy[sz]e|analy[sz]e (?:this|a paste|a log|a file)|paste)$/.test(lower)) return { kind: 'analyze' };
  if (/^sweep\b|what(?:'s| is) stuck (?:everywhere|on all nodes)/.test(lower)) return { kind: 'sweep' };
  const focus = /\bzombies?\b|defunct/.test(lower) ? ('zombies' as const) : /\bd[ -]state\b|\buninterruptible\b|\bin d\b/.test(lower) ? ('D' as const) : undefined;
  if ((m = new RegExp(`\\bnode ${NAME}$|\\bnode ${NAME}\\b`, 'i').exec(t))) return { kind: 'node', node: m[1] ?? m[2], focus };
  if (!/\bpod\b/i.test(t) && (m = /\bon ([A-Za-z0-9][\w.-]*)$/i.exec(t))) return { kind: 'node', node: m[1], focus };
  if ((m = new RegExp(`\\bpod ${NAME}(?: (?:in|-n) (?:namespace )?${NAME})?(?: (?:terminating|stuck|hanging|hung|not (?:dying|terminating|starting))\\b.*)?$`, 'i').exec(t))) {
    return { kind: 'pod', name: m[1], namespace: m[2], focus };
  }
  if ((m = new RegExp(`^why is ${NAME} (?:stuck|terminating|hanging|hung)(?: in (?:namespace )?${NAME})?$`, 'i').exec(t))) return { kind: 'pod', name: m[1], namespace: m[2], focus };
  if ((m = new RegExp(`\\bpod ${NAME}\\b`, 'i').exec(t))) return { kind: 'pod', name: m[1], focus };
  return { kind: 'unknown', text: t };
}

/** "events", "show the finalizers", "the runtime", "crictl", "mounts", "volumes". */
function layerWords(lower: string): 'events' | 'finalizers' | 'runtime' | 'mounts' | undefined {
  const t = lower.replace(/^(?:show (?:me )?|list |what about |and |what are )/, '').replace(/^(?:the |its |the pod'?s |pod )/, '');
  if (/^(?:events?|kubernetes events|kubectl events)$/.test(t)) return 'events';
  if (/^finali[sz]ers?$/.test(t)) return 'finalizers';
  if (/^(?:runtime|container runtime|runtime'?s view|cri|crictl|containerd|cri-o|sandbox(?:es)?|containers)$/.test(t)) return 'runtime';
  if (/^(?:mounts?|volumes?|volume mounts|pvcs?|storage|who holds the mounts?)$/.test(t)) return 'mounts';
  return undefined;
}

/** What each kind of history is called in a question. */
const HISTORY_KINDS: [RegExp, string[]][] = [
  [/^(?:oom(?:[- ]?kills?)?|ooms|out of memory kills?|oom killer)$/, ['oom-kill']],
  [/^(?:hung[- ]tasks?|hung[- ]task reports?|blocked tasks? reports?)$/, ['hung-task']],
  [/^(?:(?:soft |hard )?lockups?|rcu stalls?|stalls)$/, ['soft-lockup', 'hard-lockup', 'rcu-stall']],
  [/^(?:i\/?o errors?|storage (?:errors?|messages?|faults?)|disk errors?)$/, ['storage-backend-fault']],
  [/^(?:kernel (?:bugs?|oops(?:es)?)|oops(?:es)?|bugs?)$/, ['kernel-bug']],
];

/** "history", "all history", "what happened earlier", "show the OOM kills", "hung tasks". */
function historyWords(lower: string): Intent | undefined {
  const t = lower.replace(/^(?:show (?:me )?|list |what about |and )/, '').replace(/^(?:all (?:of )?)?the /, (m) => (m.startsWith('all') ? 'all ' : ''));
  if (/^(?:(?:all|full|whole|complete|entire) (?:the )?(?:history|kernel log history)|history,? all|everything earlier|all earlier)$/.test(t)) return { kind: 'history', all: true };
  if (/^(?:history|earlier|what happened (?:before|earlier)|past events|(?:kernel )?log history|the past)$/.test(t)) return { kind: 'history' };
  const all = t.startsWith('all ');
  const what = t.replace(/^all /, '').replace(/ (?:history|earlier)$/, '');
  for (const [re, ids] of HISTORY_KINDS) if (re.test(what)) return { kind: 'history', what: ids, ...(all ? { all: true } : {}) };
  return undefined;
}

export const HELP_TEXT = [
  '*whystuck* — why is this pod, process or node stuck?',
  '• `/whystuck pod NAME [-n NAMESPACE]` — e.g. `/whystuck pod prometheus-0 -n monitoring`',
  '• `/whystuck node NAME`, `/whystuck pid NODE PID`, `/whystuck sweep`, `/whystuck analyze`, `/whystuck escalate`',
  "• or ask: “why is pod prometheus-0 terminating?”, “what's wrong with node host22055”, “anything in D state on node-7?”",
  '• in a thread: “show the stack of 8912”, “dmesg”, “process tree”, “recheck”, “kill 112272”, “history” (what the kernel log shows from earlier, by place; “all history”, “show the OOM kills”)',
  '• about a pod, in its thread: “events”, “finalizers”, “runtime” (what containerd / CRI-O report), “mounts” (its volumes, claims, attachments and mounts)',
].join('\n');
