import type { KubeObject } from '../evidence/evidence';
import type { EvidenceBuilder } from '../evidence/evidence-builder';

/**
 * The Kubernetes objects a paste names, with their status and node — enough
 * for findings to say which pod on which node they are about:
 *   kubectl get pod(s) [-A] [-o wide]      tables, with or without their header (a grep'd row)
 *   kubectl get nodes                      "node-7   NotReady   <none>   9d   v1.28.2"
 *   kubectl describe pod|node              Name:, Namespace:, Node: node-7/10.0.0.3, Status: Terminating (lasts 3d), Conditions
 *   events                                 "Warning  FailedKillPod  3m  kubelet, node-7  error killing pod: …",
 *                                          "Successfully assigned ns/pod to node-7", `kubectl get events` rows (pod/NAME)
 *   kubelet / runtime journal lines        pod="ns/name", podUID=…, (UID: "…"); the journal's host is a node
 *   docker ps / docker stats names         k8s_<container>_<pod>_<namespace>_<uid>_<n>
 * A deeper Kubernetes layer (API objects, finalizers, conditions) is read elsewhere.
 */
export interface KubeReader {
  command(program: string, args: string): void;
  /** 'kubectl' when the line was a Kubernetes table row, describe line or event; else null. */
  line(text: string): 'kubectl' | null;
  /** A kubelet / runtime journal line (prefix already split). */
  logLine(program: string, host: string | undefined, text: string): void;
  end(): void;
}

const MAX_OBJECTS = 500;
/** Rows have a dozen columns; a long line is not split further than this. */
const MAX_TOKENS = 40;
const NAME = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;
const READY = /^\d+\/\d+$/;
const POD_STATUS = /^(?:[A-Z][A-Za-z]+|Init:\S+|Signal:\d+|ExitCode:\d+)$/;
const IP = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:]+|<none>)$/;
const NODE_STATUS = /^(?:Ready|NotReady|Unknown|SchedulingDisabled)(?:,\w+)*$/;
const VERSION = /^v\d+\.\d+\.\d+\S*$/;
const EVENT_TYPE = /^(?:Normal|Warning)$/;
const REASON = /^[A-Z][A-Za-z]+$/;
/** Event rows without their header: TYPE REASON AGE … (describe) and AGE TYPE REASON … (get events). */
const EVENT_DESCRIBED = /^(?:Normal|Warning)\s+[A-Z][A-Za-z]+\s+(?:(?:\d+[smhd])+|<unknown>|<invalid>)\s/;
const EVENT_LISTED = /^(?:\d+[smhd])+\s+(?:Normal|Warning)\s+[A-Z][A-Za-z]+\s/;
/** A pod row without its header: NAME READY STATUS or NAMESPACE NAME READY STATUS. */
const POD_ROW_SHAPE = /^\S+\s+(?:\S+\s+)?\d+\/\d+\s+[A-Z]/;
const ASSIGNED = /\bSuccessfully assigned ([a-z0-9][-a-z0-9.]*)\/([a-z0-9][-a-z0-9.]*) to ([a-z0-9][-a-z0-9.]*)/;
const K8S_CONTAINER = /\bk8s_([A-Za-z0-9][-a-z0-9.]*)_([a-z0-9][-a-z0-9.]*)_([a-z0-9][-a-z0-9.]*)_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_\d+\b/;
const POD_KEY = /\bpod="([a-z0-9][-a-z0-9.]*)\/([a-z0-9][-a-z0-9.]*)"/;
const POD_UID = /(?:\bpodUID="?|\(UID: \\?"|\bpod \\?")([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/;
const DESCRIBE_KEY = /^([A-Z][A-Za-z -]{0,30}):(?:\s+(.*))?$/;
const RUNTIMES = /^(?:kubelet|containerd|dockerd|crio|conmon|containerd-shim\S*|k3s|k3s-agent|rke2)$/;

type Mode = 'pods' | 'nodes' | 'events' | 'describe' | null;

interface Describe {
  kind?: 'pod' | 'node';
  name?: string;
  namespace?: string;
  node?: string;
  status?: string;
  line?: string;
  section?: string;
}

/** Adds or completes an object: the same kind and name (and namespace, when both say) is one object. */
export function upsertObject(list: KubeObject[], o: KubeObject): KubeObject | undefined {
  const same = list.find((x) => x.kind === o.kind && x.name === o.name && (x.namespace === undefined || o.namespace === undefined || x.namespace === o.namespace));
  if (same) {
    same.namespace ??= o.namespace;
    if (o.status) same.status = o.status;
    if (o.node) same.node = o.node;
    if (o.usage) same.usage = o.usage;
    if (o.line && (!same.line || o.status)) same.line = o.line;
    return same;
  }
  if (list.length >= MAX_OBJECTS) return undefined;
  const clean: KubeObject = { kind: o.kind, name: o.name };
  for (const k of ['namespace', 'status', 'node', 'usage', 'line'] as const) if (o[k] !== undefined) clean[k] = o[k];
  list.push(clean);
  return clean;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

export function createKubeReader(b: EvidenceBuilder): KubeReader {
  const objects = b.evidence.objects;
  let mode: Mode = null;
  let wideNamespace = false;
  let desc: Describe | null = null;
  let lastName: { value: string } | null = null;
  const hosts = new Set<string>();

  const add = (o: KubeObject): void => {
    upsertObject(objects, o);
  };

  function endDescribe(): void {
    const d = desc;
    desc = null;
    if (!d?.name || !NAME.test(d.name)) return;
    const kind = d.kind ?? (d.namespace !== undefined || d.node !== undefined ? 'pod' : undefined);
    if (!kind) return;
    add({ kind, name: d.name, namespace: kind === 'pod' ? d.namespace : undefined, status: d.status, node: kind === 'pod' ? d.node : undefined, line: d.line });
    if (kind === 'pod' && d.node) add({ kind: 'node', name: d.node });
  }

  function end(): void {
    endDescribe();
    mode = null;
    lastName = null;
  }

  /** "ns name 1/1 Terminating 0 3d 10.0.0.1 node-7 <none> <none>" with or without the namespace column. */
  function podRow(tokens: string[], line: string, hasNamespace: boolean | undefined): boolean {
    const r = hasNamespace === undefined ? (READY.test(tokens[1] ?? '') ? 1 : READY.test(tokens[2] ?? '') ? 2 : -1) : hasNamespace ? 2 : 1;
    if (r < 1 || !READY.test(tokens[r] ?? '') || !POD_STATUS.test(tokens[r + 1] ?? '')) return false;
    const name = tokens[r - 1];
    const namespace = r === 2 ? tokens[0] : undefined;
    if (!NAME.test(name) || (namespace !== undefined && !NAME.test(namespace))) return false;
    // RESTARTS may read "3 (2d ago)": find the IP column rather than count.
    let node: string | undefined;
    for (let i = r + 3; i < tokens.length - 1; i++) {
      if (IP.test(tokens[i])) {
        if (NAME.test(tokens[i + 1]) && tokens[i + 1] !== '<none>') node = tokens[i + 1];
        break;
      }
    }
    add({ kind: 'pod', name, namespace, status: tokens[r + 1], node, line });
    if (node) add({ kind: 'node', name: node });
    return true;
  }

  function nodeRow(tokens: string[], line: string): boolean {
    if (tokens.length < 3 || tokens.length >= MAX_TOKENS || !NAME.test(tokens[0]) || !NODE_STATUS.test(tokens[1]) || !tokens.slice(2).some((t) => VERSION.test(t))) return false;
    add({ kind: 'node', name: tokens[0], status: tokens[1], line });
    return true;
  }

  function eventRow(tokens: string[], line: string): boolean {
    const i = tokens.findIndex((t) => EVENT_TYPE.test(t));
    if (i < 0 || i > 4 || !REASON.test(tokens[i + 1] ?? '')) return false;
    const assigned = ASSIGNED.exec(line);
    if (assigned) {
      add({ kind: 'pod', name: assigned[2], namespace: assigned[1], node: assigned[3] });
      add({ kind: 'node', name: assigned[3] });
      if (desc) desc.node ??= assigned[3];
    }
    // `kubectl get events`: the involved object as pod/NAME or node/NAME.
    for (const t of tokens.slice(i + 2, i + 5)) {
      const m = /^(pod|node)\/([a-z0-9][-a-z0-9.]*)$/.exec(t);
      if (m) add({ kind: m[1] as 'pod' | 'node', name: m[2], namespace: m[1] === 'pod' && wideNamespace && i > 0 && NAME.test(tokens[0]) ? tokens[0] : undefined });
    }
    // Old describe output names the node in the From column: "kubelet, node-7".
    const from = /\bkubelet, ([a-z0-9][-a-z0-9.]*)/.exec(line);
    if (from) {
      add({ kind: 'node', name: from[1] });
      if (desc) desc.node ??= from[1];
    }
    return true;
  }

  function describeLine(text: string): boolean {
    const d = desc!;
    if (/^\s/.test(text)) {
      const t = text.trim();
      const tokens = t.split(/\s+/, MAX_TOKENS);
      if (d.section === 'Events' && EVENT_TYPE.test(tokens[0])) return eventRow(tokens, t);
      // Node conditions: "  Ready   Unknown   …   NodeStatusUnknown   Kubelet stopped posting node status."
      if (d.section === 'Conditions' && tokens[0] === 'Ready' && /^(?:True|False|Unknown)$/.test(tokens[1] ?? '')) {
        d.kind ??= 'node';
        d.status = tokens[1] === 'True' ? 'Ready' : 'NotReady';
        d.line = t;
      }
      return true;
    }
    const m = DESCRIBE_KEY.exec(text.trimEnd());
    if (!m) return false;
    const [, key, value = ''] = m;
    const v = value.trim();
    if (!v) {
      d.section = key;
      return true;
    }
    d.section = undefined;
    switch (key) {
      case 'Name':
        if (d.name) {
          endDescribe();
          desc = { kind: undefined };
        }
        desc!.name = v;
        break;
      case 'Namespace':
        d.namespace = v;
        d.kind ??= 'pod';
        break;
      case 'Node':
        if (v !== '<none>') d.node = v.split('/')[0];
        d.kind ??= 'pod';
        break;
      case 'Status':
        // "Terminating (lasts 3d)", "Running"
        d.status = v.split(/\s+/, 1)[0];
        d.line = text.trim();
        break;
      case 'Roles':
        d.kind ??= 'node';
        break;
      default:
        break;
    }
    return true;
  }

  return {
    command(program, args) {
      end();
      if (program !== 'kubectl') return;
      const words = args.trim().split(/\s+/);
      const verb = words[0];
      const what = (words.slice(1).find((w) => !w.startsWith('-')) ?? '').split('/')[0];
      wideNamespace = /(?:^|\s)(?:-A|--all-namespaces)\b/.test(args);
      if (verb === 'get' && /^(?:pods?|po)$/.test(what)) mode = 'pods';
      else if (verb === 'get' && /^(?:nodes?|no)$/.test(what)) mode = 'nodes';
      else if (verb === 'get' && /^(?:events?|ev)$/.test(what)) mode = 'events';
      else if (verb === 'describe' && /^(?:pods?|po|nodes?|no)$/.test(what)) {
        mode = 'describe';
        desc = { kind: /^no/.test(what) ? 'node' : 'pod' };
      }
    },
    line(text) {
      const t = text.trim();
      const c = t.charCodeAt(0);
      if (mode === 'describe' && desc) {
        if (describeLine(text)) return 'kubectl';
        end();
      }
      // Describe without the command: "Name:" (read as /proc status too) then "Namespace:".
      if (c === 78 /* N */) {
        if (t.startsWith('Name:')) {
          lastName = { value: t.slice(5).trim() };
          return null;
        }
        if (t.startsWith('Namespace:') && lastName) {
          desc = { kind: 'pod', name: lastName.value };
          mode = 'describe';
          lastName = null;
          return describeLine(text) ? 'kubectl' : null;
        }
      }
      lastName = null;
      // Headers.
      if (c === 78 /* N */ && /^(?:NAMESPACE\s+)?NAME\s+/.test(t)) {
        if (/\bREADY\s+STATUS\b/.test(t)) {
          mode = 'pods';
          wideNamespace = t.startsWith('NAMESPACE');
          return 'kubectl';
        }
        if (/^NAME\s+STATUS\s+(?:ROLES\s+)?AGE\s+VERSION\b/.test(t)) {
          mode = 'nodes';
          return 'kubectl';
        }
      }
      if ((c === 76 /* L */ || c === 78) && /^(?:NAMESPACE\s+)?LAST SEEN\s+/.test(t)) {
        mode = 'events';
        wideNamespace = t.startsWith('NAMESPACE');
        return 'kubectl';
      }
      if (c === 69 /* E */ && t === 'Events:') {
        desc = { section: 'Events' };
        mode = 'describe';
        return 'kubectl';
      }
      if (mode) {
        const tokens = t.split(/\s+/, MAX_TOKENS);
        if (mode === 'pods' && podRow(tokens, t, wideNamespace)) return 'kubectl';
        if (mode === 'nodes' && nodeRow(tokens, t)) return 'kubectl';
        if (mode === 'events' && eventRow(tokens, t)) return 'kubectl';
        // A table ends at the first line that is not one of its rows.
        if (mode !== 'describe') mode = null;
      }
      // Rows without their header: the shapes are distinctive enough (cheap tests first).
      // READY is the first "/" of a pod row (names and namespaces have none): digits on both sides.
      const slash = t.indexOf('/');
      if (slash > 0 && isDigit(t.charCodeAt(slash - 1)) && isDigit(t.charCodeAt(slash + 1)) && POD_ROW_SHAPE.test(t) && podRow(t.split(/\s+/, MAX_TOKENS), t, undefined)) return 'kubectl';
      if (t.includes(' v') && /\sv\d+\.\d+\.\d+\S*$/.test(t) && nodeRow(t.split(/\s+/, MAX_TOKENS), t)) return 'kubectl';
      if (((c === 87 /* W */ || c === 78) /* N */ && EVENT_DESCRIBED.test(t)) || (isDigit(c) && EVENT_LISTED.test(t))) {
        if (eventRow(t.split(/\s+/, MAX_TOKENS), t)) return 'kubectl';
      }
      if (t.includes('k8s_')) {
        const m = K8S_CONTAINER.exec(t);
        if (m) add({ kind: 'pod', name: m[2], namespace: m[3] });
        // docker ps / docker stats rows: the row itself belongs to the table reader or docker's; not consumed here.
      }
      if (t.includes('Successfully assigned')) {
        const m = ASSIGNED.exec(t);
        if (m) {
          add({ kind: 'pod', name: m[2], namespace: m[1], node: m[3] });
          add({ kind: 'node', name: m[3] });
        }
      }
      return null;
    },
    logLine(program, host, text) {
      if (!RUNTIMES.test(program)) return;
      if (host && !hosts.has(host) && NAME.test(host.toLowerCase())) {
        hosts.add(host);
        add({ kind: 'node', name: host });
      }
      if (!text.includes('pod')) return;
      const m = POD_KEY.exec(text);
      if (m) add({ kind: 'pod', name: m[2], namespace: m[1], node: host });
      else {
        const u = POD_UID.exec(text);
        if (u) add({ kind: 'pod', name: u[1], node: host });
      }
    },
    end,
  };
}
