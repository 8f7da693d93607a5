import type { KubeEvidence, KubeStatement } from '../evidence/evidence';
import { upsertPod } from './kube-store';

/**
 * What people write around the evidence about the Kubernetes layer:
 *   a finalizer named ("removing the finalizer example.com/cleanup frees it")
 *   a pod said to hang or stay Terminating, a deletion asked for ("when I
 *   delete the pod", "the kill pod command")
 *   `kubectl delete|get|describe pod NAME [-n NS]` quoted in a sentence
 *   "the pid of node_exporter is 177799" (who a pid is)
 *   the time the evidence was taken (`date` output, "time of check …")
 * Every test is gated by a substring; the patterns are bounded.
 */
export interface KubeProse {
  line(text: string, n: number): boolean;
  /** comm by pid, as the text named them. */
  readonly pidNames: Map<number, string>;
}

const MAX_STATEMENTS = 200;
const FINALIZER_TOKEN = /^[a-z0-9][-a-z0-9.]{0,252}\.[a-z]{2,63}\/[-A-Za-z0-9_.]{1,316}$/;
const BARE_FINALIZERS = new Set(['foregroundDeletion', 'orphan', 'kubernetes']);
const TOKEN_SPLIT = /[\s()"'`,;<>[\]{}]+/;
const POD_WORD = /\b[Pp]ods?\b/;
const STUCK =
  /\b(?:hangs?|hung|hanging|stuck|(?:can'?t|cannot|couldn'?t|wouldn'?t|won'?t) be (?:deleted|removed)|Terminating|terminating state|never (?:gets? )?(?:deleted|removed|terminates?|goes away|dies)|won'?t (?:delete|terminate|go away|die)|(?:does|did)(?:n'?t| not) (?:get )?(?:deleted|terminate|go away|die))\b/;
const DELETED = /\b(?:kubectl delete|delet(?:e|ed|es|ing)|kill(?:ed|s|ing)?|evict(?:ed|ing)?|drain(?:ed|ing)?|restart(?:ed|ing)?|rollout restart|scal(?:e|ed|ing) (?:it )?(?:down|to 0))\b/;
const PID_OF = /\bpid of ([A-Za-z][\w.-]{0,63}) {1,4}is {1,4}(\d{1,9})\b/i;
const PID_IS = /\b([A-Za-z][\w.-]{0,63})(?:'s)? {1,4}pid {1,4}is {1,4}(\d{1,9})\b/i;
const DATE_OUTPUT = /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d{1,2} \d\d:\d\d:\d\d(?: [A-Z]{2,5})? \d{4}\b/;
const DATE_ONLY = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d{1,2} \d\d:\d\d:\d\d(?: [A-Z]{2,5})? \d{4}$/;
const NAME = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;

/** `kubectl [flags] VERB RESOURCE[/NAME] [NAME] [-n NS]`: the verb, the pod and its namespace. */
export function kubectlPod(words: string[]): { verb: string; name?: string; namespace?: string; resource: string } | null {
  let verb = '';
  let resource = '';
  let name: string | undefined;
  let namespace: string | undefined;
  for (let i = 0; i < words.length && i < 40; i++) {
    const w = words[i];
    if (w === '-n' || w === '--namespace') {
      namespace = words[++i];
      continue;
    }
    if (w.startsWith('--namespace=')) {
      namespace = w.slice(12);
      continue;
    }
    if (w.startsWith('-n') && w.length > 2 && !w.startsWith('--')) {
      namespace = w.slice(2);
      continue;
    }
    if (w === '-o' || w === '-l' || w === '--selector' || w === '-c' || w === '--context' || w === '--grace-period') {
      i++;
      continue;
    }
    if (w.startsWith('-')) continue;
    if (!verb) {
      verb = w;
      continue;
    }
    if (!resource) {
      const slash = w.indexOf('/');
      resource = slash > 0 ? w.slice(0, slash) : w;
      if (slash > 0) name = w.slice(slash + 1);
      continue;
    }
    name ??= w;
  }
  if (!verb || !resource) return null;
  return { verb, resource, name: name && NAME.test(name) ? name : undefined, namespace: namespace && NAME.test(namespace) ? namespace : undefined };
}

function trimPunctuation(s: string): string {
  let end = s.length;
  while (end > 0 && (s.charCodeAt(end - 1) === 46 || s.charCodeAt(end - 1) === 58)) end--;
  return s.slice(0, end);
}

/** The sentence of `t` around `at` (". ", "! ", "? " end one), capped. */
function sentenceAt(t: string, at: number): string {
  let start = 0;
  for (let i = Math.min(at, t.length) - 1; i > 0; i--) {
    const c = t.charCodeAt(i);
    if (c === 32 && (t.charCodeAt(i - 1) === 46 || t.charCodeAt(i - 1) === 33 || t.charCodeAt(i - 1) === 63)) {
      start = i + 1;
      break;
    }
  }
  let end = t.length;
  for (let i = at; i < t.length - 1; i++) {
    const c = t.charCodeAt(i);
    if ((c === 46 || c === 33 || c === 63) && t.charCodeAt(i + 1) === 32) {
      end = i + 1;
      break;
    }
  }
  return t.slice(start, end).slice(0, 300);
}

const isPodResource = (r: string): boolean => r === 'pod' || r === 'pods' || r === 'po';

export function createKubeProse(kube: KubeEvidence): KubeProse {
  const pidNames = new Map<number, string>();

  function state(s: KubeStatement): void {
    if (kube.stated.length < MAX_STATEMENTS && !kube.stated.some((x) => x.kind === s.kind && x.text === s.text && x.finalizer === s.finalizer)) kube.stated.push(s);
  }

  return {
    pidNames,
    line(text, n) {
      if (text.length > 4000) return false;
      const t = text.trim();
      let said = false;
      if (t.includes('inalizer')) {
        const tokens = t.split(TOKEN_SPLIT);
        for (let i = 0; i < tokens.length && i < 200; i++) {
          const tok = trimPunctuation(tokens[i]);
          if (FINALIZER_TOKEN.test(tok) || (BARE_FINALIZERS.has(tok) && /inalizer/.test(tokens[i - 1] ?? ''))) {
            state({ kind: 'finalizer', text: t.slice(0, 300), line: n, finalizer: tok });
            said = true;
          }
        }
      }
      const kubectl = t.indexOf('kubectl ');
      if (kubectl >= 0) {
        const words = t.slice(kubectl + 8).split(/[\s`'"]+/, 40);
        const cut = words.findIndex((w) => w === '|' || w === '&&' || w === ';');
        const k = kubectlPod(cut >= 0 ? words.slice(0, cut) : words);
        if (k && isPodResource(k.resource) && k.name) {
          upsertPod(kube, { name: k.name, namespace: k.namespace, stated: true, deletionAsked: k.verb === 'delete' ? t.slice(0, 300) : undefined }, t);
          if (k.verb === 'delete') state({ kind: 'deleted', text: t.slice(0, 300), line: n, pod: k.name });
          said = true;
        }
      }
      if (POD_WORD.test(t)) {
        let m = STUCK.exec(t);
        if (m) {
          state({ kind: 'stuck', text: sentenceAt(t, m.index), line: n });
          said = true;
        }
        m = DELETED.exec(t);
        if (m) {
          state({ kind: 'deleted', text: sentenceAt(t, m.index), line: n });
          said = true;
        }
      }
      if (t.includes('pid') || t.includes('PID')) {
        const m = PID_OF.exec(t) ?? PID_IS.exec(t);
        if (m && pidNames.size < 100) pidNames.set(Number(m[2]), m[1]);
      }
      if ((t.length < 40 && DATE_ONLY.test(t)) || (/time of check|current time|\bnow\b|\bdate\b/i.test(t) && DATE_OUTPUT.test(t))) {
        const d = DATE_OUTPUT.exec(t);
        if (d) {
          kube.now = d[0];
          said = true;
        }
      }
      return said;
    },
  };
}
