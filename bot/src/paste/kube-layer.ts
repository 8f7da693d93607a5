import { emptyKubeEvidence, type KubeEvidence, type KubePod } from '../evidence/evidence';
import type { EvidenceBuilder } from '../evidence/evidence-builder';
import type { ContainerObject } from './container-table';
import { readApiObject } from './kube-api';
import { createDescribeReader } from './kube-describe';
import { createEventTable, type EventTable } from './kube-events';
import { createKubeLogReader, kubeRelevant } from './kube-log-lines';
import { jsonShaped, looseJsonField, MAX_OBJECT_CHARS, MAX_OBJECT_LINES, opensJson, parseObject, scanJson, yamlContinues, yamlKeyLine, yamlStart, type Scan, type Syntax } from './kube-object-buffer';
import { createKubeProse, kubectlPod } from './kube-prose';
import { addLine, addVolumeIssue, UID, upsertContainer, upsertNode, upsertPod, upsertSandbox, volumePath } from './kube-store';
import { joinStorage } from './kube-storage-api';
import { volumeIssueOf } from './kube-volume-text';
import { parseLogPrefix } from './kernel-log-prefix';
import type { LineSink, NormalLine } from './line-stage';
import { classifyRuntimeError } from './runtime-errors';
import { parseShellLine } from './shell-context';

/**
 * The Kubernetes layer of a paste. It sees every normalised line before the
 * paste reader does (it wraps the reader's sink) and:
 *   takes the lines of multi-line objects (YAML, JSON, loose JSON fields)
 *     and gives them back, in order, when they turn out not to be one;
 *   takes the lines only it reads (mountinfo of a pod volume, a bare kubelet
 *     volume error, `key = value` pod fields, `date`);
 *   watches everything else and passes it on: describe output, event tables,
 *     kubelet / runtime log lines, commands, prose.
 * Per line, before anything else: one or two character tests (a dmesg line
 * costs a compare), then one substring or gate regex; nothing backtracks.
 * finish() joins what the other readers named (pods, nodes, containers of
 * tables) and what only words gave (who a pid is).
 */
export interface KubeLayer {
  wrap(sink: LineSink): LineSink;
  /** After the normaliser's end: closes an open object and gives back held lines. */
  end(): void;
  /** After every reader finished: joins tables' objects, attaches `evidence.kube` when anything was read. */
  finish(): void;
}

interface Open {
  syntax: Syntax;
  records: NormalLine[];
  texts: string[];
  chars: number;
  scan: Scan;
  cut: boolean;
  /** How it started: a top-level YAML key, a Kubernetes-only key, or after a `kubectl … -o` command. */
  how: 'root' | 'fragment' | 'json' | 'fields';
  /** YAML: the top-level keys seen at column 0 (a second `apiVersion:` starts the next object). */
  roots?: Set<string>;
}

/** A top-level key of an API object at column 0: "apiVersion", "kind", "metadata", "spec", "status", "items". */
const YAML_ROOT_KEY = /^(apiVersion|kind|metadata|spec|status|items):/;

const LOOSE_EQ = /^\s*(deletionTimestamp|deletionGracePeriodSeconds|terminationGracePeriodSeconds|nodeName|phase|finalizers)\s*=\s*(\S.{0,300})$/;
const MOUNTINFO = /^(\d+) (\d+) (\d+:\d+) (\S+) (\S+) (\S+)(?: \S+)* - (\S+) (\S+)/;
const MOUNTINFO_PID = /\/proc\/(\d{1,9})\/mountinfo\b/;
const KLOG_TIME = /^[IWEF](\d{4} \d\d:\d\d:\d\d\.\d+)/;
const LOGFMT_TIME = /^time="([^"]{1,64})"/;
const JSON_TIME = /"(?:time|ts|timestamp)":"([^"]{1,64})"/;
const READY = /^(\d+)\/(\d+)$/;
/** The stamp a journal / syslog line starts with ("Mar 11 09:41:30", "2024-03-11T09:41:30"): cheaper than splitting the prefix. */
const JOURNAL_STAMP = /^(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)/;
const MAX_HELD = 40;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** A whole API or CRI object on one line (jq -c, a JSON log of one): read as an object, not as a log line. */
const oneLineObject = (t: string): boolean => t.length < MAX_OBJECT_CHARS && (t.includes('"apiVersion"') || t.includes('"state":"CONTAINER_') || t.includes('"state":"SANDBOX_'));
const indentOf = (r: NormalLine): number => (r.kind === 'text' ? r.text.length - r.text.trimStart().length : 0);

export function createKubeLayer(b: EvidenceBuilder): KubeLayer {
  const kube: KubeEvidence = emptyKubeEvidence();
  const prose = createKubeProse(kube);
  const logs = createKubeLogReader(kube);
  let lastPod: KubePod | undefined;
  let objectsSeen = 0;
  const describe = createDescribeReader(kube, (p) => {
    lastPod = p;
    objectsSeen = b.evidence.objects.length;
  });
  let events: EventTable | null = null;
  let open: Open | null = null;
  /** Indented key lines held back: a fragment that starts below them takes them. */
  let held: NormalLine[] = [];
  let mountinfoPid: number | undefined;
  let sink: LineSink = () => undefined;
  let read = false;

  /** The pod a kind-less fragment or a loose field belongs to: the last one named, by any reader. */
  function currentPod(): KubePod | undefined {
    const objs = b.evidence.objects;
    for (let i = objs.length - 1; i >= objectsSeen; i--) {
      const o = objs[i];
      if (o.kind !== 'pod' || (o as ContainerObject).id) continue;
      const p = upsertPod(kube, { name: o.name, namespace: o.namespace, shown: o.status, node: o.node }, o.line);
      if (p) {
        lastPod = p;
        objectsSeen = objs.length;
      }
      break;
    }
    return lastPod;
  }

  const input = (kind: string, r: NormalLine): void => {
    b.addInput(kind, r.line);
    if (r.kind === 'text' && r.last !== undefined) b.addInput(kind, r.last);
  };

  /** Lines taken for an object that was not one: read again (without starting an object) and passed on. */
  function giveBack(records: NormalLine[]): void {
    for (const r of records) if (r.kind !== 'text' || !text(r, true)) sink(r);
  }

  function releaseHeld(): void {
    const h = held;
    held = [];
    giveBack(h);
  }

  function start(syntax: Syntax, how: Open['how'], r: NormalLine & { kind: 'text' }, withHeld: boolean): void {
    const records = withHeld ? [...held, r] : [r];
    if (!withHeld) releaseHeld();
    else held = [];
    const texts = records.map((x) => (x.kind === 'text' ? x.text : ''));
    open = { syntax, how, records, texts, chars: texts.reduce((n, t) => n + t.length, 0), scan: { depth: 0, inString: false, escaped: false }, cut: false };
    if (syntax === 'yaml' && how === 'root') open.roots = new Set([YAML_ROOT_KEY.exec(r.text)?.[1] ?? '']);
    if (syntax === 'json') {
      open.scan = scanJson(r.text, open.scan);
      // `kubectl get -o json | jq -c .`: the whole object on its line.
      if (open.scan.depth === 0) close();
    }
  }

  /** Parses the open object; its lines are recorded as read, or given back when it was nothing. */
  function close(): void {
    const o = open;
    open = null;
    if (!o) return;
    const text = o.texts.join('\n');
    const parsed = parseObject(o.syntax, text, o.cut);
    const first = o.texts.find((t) => t.trim())?.trim() ?? '';
    const into = o.how === 'root' || o.how === 'json' ? undefined : currentPod();
    const result = parsed ? readApiObject(kube, parsed.value, first, { partial: parsed.repaired || o.cut, into }) : null;
    if (!result || !result.kinds.length) {
      giveBack(o.records);
      return;
    }
    read = true;
    if (result.pods.length) {
      lastPod = result.pods[result.pods.length - 1];
      objectsSeen = b.evidence.objects.length;
    }
    const kind = result.kinds.some((k) => k.startsWith('crictl')) ? 'crictl-json' : o.syntax === 'yaml' ? 'kubectl-yaml' : 'kubectl-json';
    for (const r of o.records) input(kind, r);
  }

  /** true when the open object took the line. */
  function continueOpen(r: NormalLine & { kind: 'text' }): boolean {
    const o = open!;
    const t = r.text.trim();
    let belongs: boolean;
    if (o.syntax === 'json') belongs = jsonShaped(t);
    else if (o.syntax === 'json-fields') belongs = looseJsonField(t);
    else {
      belongs = yamlContinues(r.text) && !(r.text.charCodeAt(0) === 35 /* # */);
      // Objects one after another (`kubectl get pvc x -o yaml` right below a pod's YAML, or `---` between):
      // a document separator, or a top-level key the object already has, ends it.
      if (belongs && t === '---') {
        close();
        input('kubectl-yaml', r);
        return true;
      }
      const root = belongs && o.roots ? YAML_ROOT_KEY.exec(r.text)?.[1] : undefined;
      if (root !== undefined) {
        if (o.roots!.has(root)) return false;
        o.roots!.add(root);
      }
    }
    if (!belongs) return false;
    if (o.records.length >= MAX_OBJECT_LINES || o.chars + r.text.length > MAX_OBJECT_CHARS) {
      o.cut = true;
      close();
      return false;
    }
    o.records.push(r);
    o.texts.push(r.text);
    o.chars += r.text.length;
    if (o.syntax === 'json') {
      o.scan = scanJson(r.text, o.scan);
      if (o.scan.depth === 0) close();
    }
    return true;
  }

  function command(text: string): void {
    // `cat /proc/PID/mountinfo | grep UID`, with or without a prompt: the mounts below are that task's.
    const mi = text.includes('mountinfo') ? MOUNTINFO_PID.exec(text) : null;
    if (mi) mountinfoPid = Number(mi[1]);
    const cmd = parseShellLine(text);
    if (!cmd) return;
    events?.end();
    events = null;
    if (!mi) mountinfoPid = undefined;
    if (cmd.program !== 'kubectl') return;
    const k = kubectlPod(cmd.args.split(/\s+/, 40));
    if (!k) return;
    if (k.verb === 'describe' && /^(?:pods?|po|nodes?|no)$/.test(k.resource)) describe.start(/^no/.test(k.resource) ? 'node' : 'pod');
    if (k.verb === 'get' && /^(?:events?|ev)$/.test(k.resource)) events = createEventTable(kube, () => undefined);
    if (/^(?:pods?|po)$/.test(k.resource) && k.name) {
      const p = upsertPod(kube, { name: k.name, namespace: k.namespace, deletionAsked: k.verb === 'delete' ? cmd.raw.slice(0, 300) : undefined, stated: true }, undefined);
      if (p) {
        lastPod = p;
        objectsSeen = b.evidence.objects.length;
      }
    }
  }

  function mountinfo(text: string, r: NormalLine): boolean {
    const m = MOUNTINFO.exec(text);
    if (!m) return false;
    const mountPoint = m[5];
    const vp = volumePath(mountPoint);
    if (!vp) return false;
    const pid = mountinfoPid;
    if (pid && pid > 1) {
      if (kube.mountHolders.length < 500) {
        kube.mountHolders.push({ pid, how: 'mount', path: mountPoint, podUid: vp.podUid, volume: vp.volume ?? vp.pv, fsType: m[7], line: text.trim().slice(0, 400) });
      }
    }
    input('mountinfo', r);
    read = true;
    return true;
  }

  /** A line of the log shapes (klog, logfmt, JSON): 'log' when it was one (read here, passed on). */
  function logLine(text: string): 'log' | 'log-volume' | null {
    const c = text.charCodeAt(0);
    let time = '';
    if (c === 73 || c === 87 || c === 69 || c === 70) {
      if (!isDigit(text.charCodeAt(1))) return null;
      const kind = logs.klog(text);
      if (!kind) return null;
      time = KLOG_TIME.exec(text)?.[1] ?? '';
      if (kind === 'workload') {
        const cl = (kube.containerLog ??= { count: 0, first: time, last: time });
        cl.count++;
        cl.last = time;
        read = true;
        return 'log';
      }
    } else if (c === 116 /* t */) {
      time = LOGFMT_TIME.exec(text)?.[1] ?? '';
      if (!time) return null;
    } else if (c === 123 /* { */) {
      time = JSON_TIME.exec(text)?.[1] ?? '';
    } else {
      return null;
    }
    if (logs.line(text, () => ({ time }))) read = true;
    // A bare kubelet volume error is taken (nothing else reads it); other log lines go on to the paste reader.
    return c !== 123 && volumeIssueOf(text) ? 'log-volume' : 'log';
  }

  /** true when the layer took the line; `again`: a line given back, read without starting an object. */
  function text(r: NormalLine & { kind: 'text' }, again = false): boolean {
    const t = r.text;
    const c = t.charCodeAt(0);
    // dmesg: "[  123.456789] …" — the common line of a big paste, decided here.
    if (c === 91 && (t.charCodeAt(1) === 32 || isDigit(t.charCodeAt(1)))) {
      if (held.length) releaseHeld();
      if (open) close();
      return false;
    }
    if (open && continueOpen(r)) return true;
    if (open) close();
    const trimmed = c === 32 || c === 9 ? t.trim() : t;
    const c0 = trimmed.charCodeAt(0);
    // Objects.
    if (!again) {
      if ((c0 === 123 || c0 === 91) && (opensJson(trimmed) || oneLineObject(trimmed))) {
        start('json', 'json', r, false);
        return true;
      }
      if (c0 === 34 && looseJsonField(trimmed)) {
        start('json-fields', 'fields', r, false);
        return true;
      }
      const y = (c === 32 || (c >= 97 && c <= 122)) && !describe.active ? yamlStart(t) : null;
      if (y) {
        start('yaml', y, r, y === 'fragment');
        return true;
      }
    }
    if (c === 32 && !again && !describe.active && held.length < MAX_HELD) {
      // Held while it may be the head of a fragment; given back at the next line that is not.
      if (yamlKeyLine(t)) {
        held.push(r);
        return true;
      }
      // Deeper-indented continuation of a held key line ("    is unresponsive").
      if (held.length && t.length - trimmed.length > indentOf(held[0])) {
        held.push(r);
        return true;
      }
    }
    if (held.length) releaseHeld();
    // Syslog / journal lines: the kernel's are not ours.
    if (((c >= 65 && c <= 83 && t.charCodeAt(3) === 32) || (isDigit(c) && t.charCodeAt(4) === 45)) && JOURNAL_STAMP.test(t)) {
      // A journal line: the kernel's are not ours; the prefix is split only when something is recorded.
      if (t.includes(' kernel: ')) return false;
      if (kubeRelevant(t)) {
        const where = (): { host?: string; time: string } => {
          const log = parseLogPrefix(t);
          return log ? { host: log.host, time: log.time } : { time: '' };
        };
        if (logs.line(t, where, true)) read = true;
      }
      return false;
    }
    const logged = logLine(trimmed);
    if (logged === 'log') return false;
    if (logged === 'log-volume') {
      if (!classifyRuntimeError(t)) {
        input('kubelet-log', r);
        return true;
      }
      return false;
    }
    // Describe output and event tables (watched; the kube-objects reader records them).
    if (describe.active || (c === 78 && t.startsWith('Name:')) || t.startsWith('Namespace:') || t.startsWith('Roles:')) {
      if (describe.line(t)) {
        read = true;
        return false;
      }
    }
    if (events && events.line(t)) {
      read = true;
      return false;
    }
    if ((c0 === 76 || c0 === 78 || c0 === 84) && /^(?:(?:NAMESPACE\s+)?LAST SEEN|Type\s+Reason)\s/.test(trimmed)) {
      events = createEventTable(kube, () => undefined);
      events.line(t);
      read = true;
      return false;
    }
    // Commands.
    if (t.includes('kubectl') || t.includes('crictl') || t.includes('mountinfo')) command(t);
    if (isDigit(c) && t.includes(' - ') && mountinfo(t, r)) return true;
    // Pod fields printed one per line ("deletionTimestamp = 2024-…").
    if (t.includes('=')) {
      const m = LOOSE_EQ.exec(t);
      const pod = m ? currentPod() : undefined;
      if (m && pod) {
        const [, key, value] = m;
        const v = value.trim();
        if (key === 'deletionTimestamp') pod.deletionTimestamp = v;
        else if (key === 'deletionGracePeriodSeconds' && /^\d+$/.test(v)) pod.deletionGracePeriodSeconds = Number(v);
        else if (key === 'terminationGracePeriodSeconds' && /^\d+$/.test(v)) pod.terminationGracePeriodSeconds = Number(v);
        else if (key === 'nodeName') pod.node = v;
        else if (key === 'phase') pod.phase = v;
        else if (key === 'finalizers')
          pod.finalizers = v
            .replace(/^\[|\]$/g, '')
            .split(/[\s,"]+/)
            .filter(Boolean);
        addLine(pod.lines, t);
        input('kubectl-fields', r);
        read = true;
        return true;
      }
    }
    // A kubelet volume error pasted bare ("Error: \"error cleaning subPath mounts …"), `ls: cannot access …: Input/output error`.
    const v = volumeIssueOf(t);
    if (v) {
      addVolumeIssue(kube, { ...v, line: trimmed.slice(0, 400) });
      if (v.podUid) upsertPod(kube, { name: v.podUid, uid: v.podUid }, trimmed);
      read = true;
      if (!classifyRuntimeError(t) && !parseLogPrefix(t)) {
        input('kubelet-log', r);
        return true;
      }
      return false;
    }
    if (prose.line(t, r.line)) read = true;
    return false;
  }

  return {
    wrap(next) {
      sink = next;
      return (r) => {
        if (r.kind === 'cut') {
          if (open) {
            open.cut = true;
            close();
          }
          releaseHeld();
          sink(r);
          return;
        }
        if (r.kind === 'skip' || r.text.trim() === '') {
          if (open) close();
          releaseHeld();
          describe.end();
          events?.end();
          events = null;
          sink(r);
          return;
        }
        if (!text(r)) sink(r);
      };
    },
    end() {
      if (open) close();
      releaseHeld();
      describe.end();
    },
    finish() {
      joinObjects();
      joinHolders();
      backendFromAccessErrors();
      joinStorage(kube);
      const any = read || kube.pods.length || kube.nodes.length || kube.events.length || kube.volumes.length || kube.runtime.containers.length || kube.runtime.sandboxes.length || kube.stated.length;
      if (any) b.evidence.kube = kube;
    },
  };

  /** Pods, nodes and runtime containers the table readers put in `objects`. */
  function joinObjects(): void {
    for (const o of b.evidence.objects) {
      const co = o as ContainerObject;
      if (o.kind === 'pod' && co.id) {
        upsertSandbox(kube, { id: co.id, name: o.name, namespace: o.namespace, state: o.status, line: o.line ?? '' });
        continue;
      }
      if (o.kind === 'pod') {
        let ready: KubePod['ready'];
        if (o.line && o.status) {
          const tokens = o.line.split(/\s+/, 40);
          const at = tokens.indexOf(o.status);
          const m = at > 0 ? READY.exec(tokens[at - 1]) : null;
          if (m) ready = { ready: Number(m[1]), total: Number(m[2]) };
        }
        const isUid = UID.test(o.name);
        // What a structured reader (describe's Status:, an object) saw wins over a table's reading.
        const known = kube.pods.find((p) => p.name === o.name && (!p.namespace || !o.namespace || p.namespace === o.namespace));
        upsertPod(
          kube,
          { name: o.name, namespace: o.namespace, uid: isUid ? o.name : undefined, shown: known?.shown ?? o.status, node: known?.node ?? o.node, ready: known?.ready ?? ready },
          o.status ? o.line : undefined,
        );
      } else if (o.kind === 'node') {
        const known = kube.nodes.find((n) => n.name === o.name);
        upsertNode(kube, { name: o.name, shown: known?.shown ?? o.status }, o.status ? o.line : undefined);
      } else if (o.kind === 'container' && co.id) {
        upsertContainer(kube, { id: co.id, name: o.name, pod: co.pod, podSandboxId: co.podId, state: o.status, line: o.line ?? '' });
      }
    }
  }

  /** Holders named in words ("the pid of node_exporter is 177799") and kept as tasks: their /proc was read. */
  function joinHolders(): void {
    for (const h of kube.mountHolders) {
      const comm = prose.pidNames.get(h.pid);
      if (comm) h.comm = comm;
      const known = b.tasks.get(h.pid);
      b.tasks.upsert(
        h.pid,
        {
          pid: h.pid,
          ...(comm && !known?.comm.replace('?', '') ? { comm, provenance: { comm: 'stated' } } : {}),
        },
        h.line,
      );
    }
  }

  /** A pod volume whose mount answers EIO: its device is failing underneath (the mount table names it). */
  function backendFromAccessErrors(): void {
    for (const v of kube.volumes) {
      if (v.errno !== 'EIO' || !v.path) continue;
      const mount = b.evidence.node.mounts.find((m) => v.path === m.mountPoint || v.path!.startsWith(`${m.mountPoint}/`));
      const device = mount?.source.startsWith('/dev/') ? mount.source.slice(5) : undefined;
      if (!device) continue;
      const subsystem = /^nvme/.test(device) ? 'nvme' : 'block';
      b.addBackend({ kind: 'io-error', subsystem, target: device }, v.time ?? '', `${v.line} (${device} mounted on ${mount!.mountPoint}, ${mount!.fsType})`);
    }
  }
}
