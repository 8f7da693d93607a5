import type { KubeEvent, KubeEvidence } from '../evidence/evidence';
import { addEvent, addVolumeIssue, upsertNode, upsertPod } from './kube-store';
import { volumeIssueOf } from './kube-volume-text';

/**
 * Event tables: the Events section of `kubectl describe` (Type Reason Age From
 * Message) and `kubectl get events` in its dialects (LAST SEEN TYPE REASON
 * OBJECT MESSAGE; -o wide adds SUBOBJECT SOURCE … FIRST SEEN COUNT NAME; the
 * old LAST SEEN FIRST SEEN COUNT NAME KIND SUBOBJECT TYPE REASON SOURCE
 * MESSAGE). Columns are cut at the header's offsets (kubectl aligns every row
 * to them); a row that does not fit them, or one without a header, is read
 * by its shape. Then what an event says is applied: the node a pod was
 * assigned to, a volume operation that fails.
 */
export interface EventTable {
  line(text: string): boolean;
  end(): void;
}

type Obj = KubeEvent['object'];

const LABEL = /\S+(?: \S+)*/g;
const SEPARATOR = /^\s*-{2,}(?:\s+-{2,})*\s*$/;
const TYPE = /^(?:Normal|Warning)$/;
const DESCRIBED = /^\s*(Normal|Warning)\s+([A-Za-z]+)\s+(<unknown>|<invalid>|\S+(?: \(x\d+ over \S+\))?)\s+(\S.*)$/;
const LISTED = /^\s*(?:([a-z0-9][-a-z0-9]{0,62})\s+)?((?:\d+[smhd])+|<unknown>|<invalid>)\s+(Normal|Warning)\s+([A-Za-z]+)\s+([a-z][a-z.]{0,62}\/[a-z0-9][-a-z0-9.]{0,252})\s+(.*)$/;
const ASSIGNED = /Successfully assigned ([a-z0-9][-a-z0-9.]{0,252})\/([a-z0-9][-a-z0-9.]{0,252}) to ([a-z0-9][-a-z0-9.]{0,252})/;

interface Column {
  label: string;
  start: number;
}

function columns(header: string): Column[] {
  const out: Column[] = [];
  for (const m of header.matchAll(LABEL)) out.push({ label: m[0].toUpperCase(), start: m.index ?? 0 });
  return out;
}

/** "pod/web-0" → { kind: 'pod', name: 'web-0' }. */
function objectRef(text: string, namespace?: string): Obj {
  const slash = text.indexOf('/');
  if (slash <= 0) return undefined;
  return { kind: text.slice(0, slash).toLowerCase(), name: text.slice(slash + 1), namespace };
}

/** What an event means beyond itself: the node of an assigned pod, a failing volume operation. */
export function applyEvent(kube: KubeEvidence, e: KubeEvent, onNode?: (node: string) => void): void {
  if (e.reason === 'Scheduled') {
    const m = ASSIGNED.exec(e.message);
    if (m) {
      upsertPod(kube, { name: m[2], namespace: m[1], node: m[3] }, e.line);
      onNode?.(m[3]);
    }
  }
  if (e.object?.kind === 'node' && (e.reason === 'NodeNotReady' || e.reason === 'NodeLost')) upsertNode(kube, { name: e.object.name, shown: 'NotReady' }, e.line);
  const v = volumeIssueOf(e.message);
  if (v) {
    const pod = e.object?.kind === 'pod' ? e.object : undefined;
    addVolumeIssue(kube, { ...v, pod: v.pod ?? pod?.name, namespace: v.namespace ?? pod?.namespace, line: e.line, time: e.last });
  }
}

export function createEventTable(kube: KubeEvidence, objectOf: () => Obj, onNode?: (node: string) => void): EventTable {
  let cols: Column[] | null = null;
  /** Events of an "Events:" block pasted without its describe: the pod a Scheduled event names is theirs. */
  const orphans: KubeEvent[] = [];
  let assigned: Obj;

  function add(e: KubeEvent): void {
    if (!e.object && assigned) e.object = assigned;
    addEvent(kube, e);
    applyEvent(kube, e, onNode);
    if (!e.object && orphans.length < 100) orphans.push(e);
    if (!assigned && e.reason === 'Scheduled' && !objectOf()) {
      const m = ASSIGNED.exec(e.message);
      if (m) {
        assigned = { kind: 'pod', name: m[2], namespace: m[1] };
        for (const o of orphans) o.object ??= assigned;
      }
    }
  }

  function byColumns(text: string): boolean {
    const c = cols!;
    const cell = (label: string): string | undefined => {
      const i = c.findIndex((x) => x.label === label);
      if (i < 0) return undefined;
      const end = i + 1 < c.length ? c[i + 1].start : text.length;
      return text.slice(c[i].start, end).trim();
    };
    const type = cell('TYPE');
    const reason = cell('REASON');
    if (!type || !TYPE.test(type) || !reason || !/^[A-Za-z]+$/.test(reason)) return false;
    // The message runs to the next column that follows it (wide output) or to the end.
    const mi = c.findIndex((x) => x.label === 'MESSAGE');
    const message = mi < 0 ? '' : text.slice(c[mi].start, mi + 1 < c.length ? c[mi + 1].start : text.length).trim();
    const ns = cell('NAMESPACE');
    let object = cell('OBJECT') ? objectRef(cell('OBJECT')!, ns) : undefined;
    if (!object && cell('NAME') && cell('KIND')) object = { kind: cell('KIND')!.toLowerCase(), name: cell('NAME')!.replace(/\.[0-9a-f]{10,}$/, ''), namespace: ns };
    const count = cell('COUNT');
    const age = cell('AGE') ?? cell('LAST SEEN');
    const times = age ? /\(x(\d+) over/.exec(age) : null;
    add({
      type,
      reason,
      object: object ?? objectOf(),
      source: cell('FROM') ?? cell('SOURCE'),
      message,
      count: count && /^\d+$/.test(count) ? Number(count) : times ? Number(times[1]) : undefined,
      age,
      line: text.trim().slice(0, 400),
    });
    return true;
  }

  function byShape(text: string): boolean {
    let m = DESCRIBED.exec(text);
    if (m) {
      const rest = m[4];
      const gap = rest.search(/\s{2}/);
      const source = gap > 0 ? rest.slice(0, gap) : rest.split(' ', 1)[0];
      const message = (gap > 0 ? rest.slice(gap) : rest.slice(source.length)).trim();
      const times = /\(x(\d+) over/.exec(m[3]);
      add({ type: m[1], reason: m[2], age: m[3], source, message, object: objectOf(), count: times ? Number(times[1]) : undefined, line: text.trim().slice(0, 400) });
      return true;
    }
    m = LISTED.exec(text);
    if (m) {
      add({ type: m[3], reason: m[4], age: m[2], object: objectRef(m[5], m[1]), message: m[6].trim(), line: text.trim().slice(0, 400) });
      return true;
    }
    return false;
  }

  return {
    line(text) {
      const t = text.trim();
      if (!t) return false;
      if (SEPARATOR.test(t)) return true;
      if ((/^Type\s+Reason\s+/.test(t) || /^(?:NAMESPACE\s+)?LAST SEEN\s+/.test(t)) && t.length < 400) {
        const c = columns(text);
        if (c.some((x) => x.label === 'REASON') && c.some((x) => x.label === 'MESSAGE')) {
          cols = c;
          return true;
        }
      }
      if (cols && byColumns(text)) return true;
      return byShape(text);
    },
    end() {
      cols = null;
      orphans.length = 0;
      assigned = undefined;
    },
  };
}
