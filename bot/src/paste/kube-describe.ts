import type { KubeContainerStatus, KubeEvidence, KubePod } from '../evidence/evidence';
import { createEventTable, type EventTable } from './kube-events';
import { upsertNode, upsertPod } from './kube-store';

/**
 * `kubectl describe pod|node` — top-level "Key:  value" lines, sections by
 * indentation:
 *   pod   Name, Namespace, Node (name/IP), Status ("Terminating (lasts 3d)"),
 *         Reason, Message, Termination Grace Period, Controlled By, Finalizers;
 *         Containers / Init Containers (State, Last State, Reason, Exit Code,
 *         Started, Finished, Ready, Restart Count, Container ID), Conditions,
 *         Volumes (Type, ClaimName), Events
 *   node  Name, Taints (continued on the lines below), Unschedulable,
 *         Conditions (Type Status LastHeartbeatTime LastTransitionTime Reason
 *         Message), Lease RenewTime, Events
 * The reader is started by the command or by "Name:" followed by
 * "Namespace:" (pod) or "Roles:" (node) and ends at a line it cannot place.
 */
export interface DescribeReader {
  /** Starts a describe of this kind (from the command line). */
  start(kind: 'pod' | 'node'): void;
  /** true when the line belongs to the describe output (it was read). */
  line(text: string): boolean;
  readonly active: boolean;
  end(): void;
  /** The last pod the reader wrote. */
  readonly lastPod: KubePod | undefined;
}

const KEY = /^([A-Z][A-Za-z /-]{0,40}):(?:\s+(.*))?$/;
const SUBKEY = /^(\s+)([A-Z][A-Za-z /-]{0,40}):(?:\s+(.*))?$/;
const CONTAINER_NAME = /^ {2}([a-z0-9][-a-z0-9.]{0,62}):\s*$/;
const VOLUME_NAME = CONTAINER_NAME;
const DURATION = /^(\d+)(s|m|h)?$/;
/** describe's dates: "Mon, 02 Jan 2023 10:00:00 +0000" (RFC 1123Z); RFC 3339 in some versions; "<unknown>". */
const DATE = String.raw`(?:[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)|<unknown>)`;
const NODE_CONDITION = new RegExp(String.raw`^\s*(\w+)\s+(True|False|Unknown)\s+(${DATE})\s+(${DATE})\s+(\w+)\s*(.*)$`);
const POD_CONDITION = /^\s+(\w+)\s+(True|False|Unknown)\s*$/;
const TAINT = /^([A-Za-z0-9][-\w./]{0,252})(?:=([^:\s]{0,63}))?:(NoSchedule|PreferNoSchedule|NoExecute)$/;

interface State {
  kind?: 'pod' | 'node';
  name?: string;
  namespace?: string;
  section?: string;
  /** The container or volume of the section being read. */
  item?: string;
  /** "State" or "Last State" of the container being read. */
  stateOf?: 'state' | 'last';
  pod: Partial<KubePod> & { containers: KubeContainerStatus[] };
  node: {
    taints: { key: string; value?: string; effect: string }[];
    ready?: string;
    reason?: string;
    message?: string;
    lastHeartbeat?: string;
    lastTransition?: string;
    unschedulable?: boolean;
    renew?: string;
  };
  lines: string[];
}

const fresh = (kind?: 'pod' | 'node'): State => ({ kind, pod: { containers: [] }, node: { taints: [] }, lines: [] });

function seconds(v: string): number | undefined {
  const m = DURATION.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 'm' ? n * 60 : m[2] === 'h' ? n * 3600 : n;
}

export function createDescribeReader(kube: KubeEvidence, onPod: (p: KubePod) => void): DescribeReader {
  let st: State | null = null;
  let events: EventTable | null = null;
  let lastPod: KubePod | undefined;
  let pendingName: string | null = null;

  function flush(): void {
    const s = st;
    st = null;
    events?.end();
    events = null;
    if (!s?.name) return;
    const kind = s.kind ?? (s.namespace !== undefined ? 'pod' : undefined);
    if (kind === 'node') {
      upsertNode(
        kube,
        {
          name: s.name,
          ready: s.node.ready,
          reason: s.node.reason,
          message: s.node.message,
          lastHeartbeat: s.node.lastHeartbeat ?? s.node.renew,
          lastTransition: s.node.lastTransition,
          unschedulable: s.node.unschedulable,
          taints: s.node.taints,
        },
        s.lines[0],
      );
      return;
    }
    if (kind !== 'pod') return;
    const p = upsertPod(kube, { ...s.pod, name: s.name, namespace: s.namespace }, s.lines.find((l) => l.startsWith('Status:')) ?? s.lines[0]);
    if (p) {
      lastPod = p;
      onPod(p);
    }
  }

  function container(s: State): KubeContainerStatus | undefined {
    if (!s.item) return undefined;
    let c = s.pod.containers.find((x) => x.name === s.item);
    if (!c) {
      c = { name: s.item };
      s.pod.containers.push(c);
    }
    return c;
  }

  function containerField(s: State, key: string, v: string, indent: number): void {
    const c = container(s);
    if (!c) return;
    if (key === 'State' || key === 'Last State') {
      s.stateOf = key === 'State' ? 'state' : 'last';
      const state = v.split(/\s+/, 1)[0].toLowerCase();
      if (s.stateOf === 'state') c.state = state;
      else c.last = { state };
      return;
    }
    // Reason, Exit Code, Started, Finished belong to the State / Last State above them (indented deeper).
    const target = indent >= 6 && s.stateOf === 'last' && c.last ? c.last : indent >= 6 ? c : undefined;
    switch (key) {
      case 'Reason':
        if (target) target.reason = v;
        break;
      case 'Exit Code':
        if (target && /^-?\d+$/.test(v)) target.exitCode = Number(v);
        break;
      case 'Started':
        if (target === c) c.startedAt = v;
        break;
      case 'Finished':
        if (target) target.finishedAt = v;
        break;
      case 'Ready':
        c.ready = v === 'True';
        break;
      case 'Restart Count':
        if (/^\d+$/.test(v)) c.restartCount = Number(v);
        break;
      case 'Container ID':
        c.containerId = v;
        break;
      default:
        break;
    }
  }

  function topLevel(s: State, key: string, v: string, text: string): void {
    s.section = v ? undefined : key;
    s.item = undefined;
    if (!v) return;
    switch (key) {
      case 'Name':
        s.name = v;
        break;
      case 'Namespace':
        s.namespace = v;
        s.kind ??= 'pod';
        break;
      case 'Node':
        if (v !== '<none>') s.pod.node = v.split('/')[0];
        s.kind ??= 'pod';
        break;
      case 'Status':
        s.pod.shown = v.split(/\s+/, 1)[0];
        s.lines.push(text.trim());
        break;
      case 'Reason':
        s.pod.reason = v;
        break;
      case 'Message':
        s.pod.message = v;
        break;
      case 'Termination Grace Period':
        s.pod.terminationGracePeriodSeconds = seconds(v);
        break;
      case 'Controlled By': {
        const [kind, ...rest] = v.split('/');
        if (rest.length) s.pod.ownerReferences = [{ kind, name: rest.join('/'), controller: true }];
        break;
      }
      case 'Finalizers':
        s.pod.finalizers = v
          .replace(/^\[|\]$/g, '')
          .split(/[\s,]+/)
          .filter(Boolean);
        break;
      case 'Roles':
        s.kind ??= 'node';
        break;
      case 'Taints':
        s.kind ??= 'node';
        s.section = 'Taints';
        taint(s, v);
        break;
      case 'Unschedulable':
        s.node.unschedulable = v === 'true';
        break;
      case 'Events':
        if (v.startsWith('<none>')) s.section = undefined;
        break;
      default:
        break;
    }
  }

  function taint(s: State, v: string): void {
    const m = TAINT.exec(v.trim());
    if (m) s.node.taints.push({ key: m[1], value: m[2] || undefined, effect: m[3] });
  }

  function indented(s: State, text: string): boolean {
    const section = s.section;
    if (section === 'Events') {
      events ??= createEventTable(
        kube,
        () => (s.name ? { kind: s.kind ?? 'pod', name: s.name, namespace: s.namespace } : undefined),
        (node) => {
          s.pod.node ??= node;
        },
      );
      events.line(text);
      return true;
    }
    if (section === 'Taints') {
      taint(s, text);
      return true;
    }
    if (section === 'Conditions') {
      const n = NODE_CONDITION.exec(text);
      if (n) {
        s.kind ??= 'node';
        if (n[1] === 'Ready') {
          s.node.ready = n[2];
          s.node.lastHeartbeat = n[3] === '<unknown>' ? undefined : n[3];
          s.node.lastTransition = n[4] === '<unknown>' ? undefined : n[4];
          s.node.reason = n[5];
          s.node.message = n[6].trim() || undefined;
          s.lines.push(text.trim());
        }
        return true;
      }
      const p = POD_CONDITION.exec(text);
      if (p) (s.pod.conditions ??= []).push({ type: p[1], status: p[2] });
      return true;
    }
    if (section === 'Lease') {
      const m = SUBKEY.exec(text);
      if (m && m[2] === 'RenewTime' && m[3]) s.node.renew = m[3].trim();
      return true;
    }
    if (section === 'Containers' || section === 'Init Containers') {
      const name = CONTAINER_NAME.exec(text);
      if (name) {
        s.item = name[1];
        s.stateOf = undefined;
        return true;
      }
      const m = SUBKEY.exec(text);
      if (m && m[3] !== undefined) containerField(s, m[2], m[3].trim(), m[1].length);
      else if (m && (m[2] === 'State' || m[2] === 'Last State')) containerField(s, m[2], '', m[1].length);
      return true;
    }
    if (section === 'Volumes') {
      const name = VOLUME_NAME.exec(text);
      if (name) {
        s.item = name[1];
        (s.pod.volumes ??= []).push({ name: name[1], source: '?' });
        return true;
      }
      const m = SUBKEY.exec(text);
      const vol = s.pod.volumes?.[s.pod.volumes.length - 1];
      if (m && vol && m[3]) {
        if (m[2] === 'Type') vol.source = m[3].split(/\s+/, 1)[0];
        if (m[2] === 'ClaimName') {
          vol.claim = m[3].trim();
          vol.source = `PersistentVolumeClaim ${vol.claim}`;
        }
      }
      return true;
    }
    // Labels, Annotations, Tolerations, IPs… continue their key on indented lines.
    return true;
  }

  return {
    start(kind) {
      flush();
      st = fresh(kind);
      pendingName = null;
    },
    get active() {
      return st !== null;
    },
    get lastPod() {
      return lastPod;
    },
    line(text) {
      const c = text.charCodeAt(0);
      if (!st) {
        // "Name:" then "Namespace:" (pod) or "Roles:" (node) starts one without its command.
        if (c === 78 /* N */ && text.startsWith('Name:')) {
          pendingName = text.slice(5).trim();
          return false;
        }
        if (pendingName !== null && (text.startsWith('Namespace:') || text.startsWith('Roles:'))) {
          st = fresh(text.startsWith('Roles:') ? 'node' : 'pod');
          st.name = pendingName;
          pendingName = null;
        } else {
          pendingName = null;
          return false;
        }
      }
      const s = st!;
      if (c === 32 || c === 9) return indented(s, text);
      const m = KEY.exec(text.trimEnd());
      if (!m) {
        flush();
        return false;
      }
      const [, key, value = ''] = m;
      if (key === 'Name' && s.name) {
        const kind = s.kind;
        flush();
        st = fresh(kind);
      }
      topLevel(st!, key, value.trim(), text);
      return true;
    },
    end() {
      flush();
      pendingName = null;
    },
  };
}
