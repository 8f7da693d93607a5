import type { KubeObject } from '../evidence/evidence';

/**
 * Container runtime tables: `crictl ps`, `crictl pods`, `docker ps`. Their rows
 * are containers and pod sandboxes, not tasks: they become Kubernetes objects
 * ("container" with its pod, "pod" with its state). Columns are separated by
 * two or more spaces (CREATED "26 hours ago" and POD ID hold single spaces).
 *   CONTAINER      IMAGE          CREATED        STATE     NAME     ATTEMPT   POD ID         POD
 *   3f9c2a61d0e8b  8c1e7a0d4b2f3  26 hours ago   Running   backup   0         5a07d1c9e2f14  nightly-backup-x7kq2
 */
export interface ContainerObject extends KubeObject {
  /** Container or sandbox id as printed (often shortened). */
  id?: string;
  image?: string;
  /** The pod a container belongs to: name and sandbox id. */
  pod?: string;
  podId?: string;
  attempt?: number;
}

type Field = 'id' | 'image' | 'created' | 'state' | 'name' | 'attempt' | 'podId' | 'pod' | 'namespace' | 'command' | 'status' | 'ports' | 'runtime' | 'skip';
export type ContainerTableKind = 'crictl-ps' | 'crictl-pods' | 'docker-ps';

export interface ContainerTable {
  what: ContainerTableKind;
  fields: Field[];
}

const LABELS: Record<string, Field> = {
  CONTAINER: 'id',
  'CONTAINER ID': 'id',
  IMAGE: 'image',
  'IMAGE ID': 'skip',
  CREATED: 'created',
  STATE: 'state',
  NAME: 'name',
  NAMES: 'name',
  ATTEMPT: 'attempt',
  'POD ID': 'podId',
  POD: 'pod',
  NAMESPACE: 'namespace',
  COMMAND: 'command',
  STATUS: 'status',
  PORTS: 'ports',
  RUNTIME: 'runtime',
};
const HEADER_START = /^\s*(?:CONTAINER|POD ID)\s/;
const ID = /^[0-9a-f]{6,64}$/;
const SPLIT = /\s{2,}/;

/** The header of one of these tables, or null. */
export function parseContainerHeader(line: string): ContainerTable | null {
  if (!HEADER_START.test(line) || line.length > 1000) return null;
  const labels = line.trim().split(SPLIT);
  const fields = labels.map((l) => (Object.hasOwn(LABELS, l) ? LABELS[l] : undefined));
  if (fields.some((f) => f === undefined)) return null;
  const has = (f: Field): boolean => fields.includes(f);
  if (has('id') && has('status') && has('name')) return { what: 'docker-ps', fields: fields as Field[] };
  if (has('id') && has('state') && has('name')) return { what: 'crictl-ps', fields: fields as Field[] };
  if (has('podId') && has('state') && has('name') && !has('id')) return { what: 'crictl-pods', fields: fields as Field[] };
  return null;
}

/** The table a runtime command prints, for its rows pasted without the header. */
export function containerTableFromCommand(program: string, args: string): ContainerTable | null {
  const words = args.trim().split(/\s+/);
  if (words.includes('-q') || words.includes('--quiet')) return null;
  if (program === 'crictl' && words[0] === 'ps') return { what: 'crictl-ps', fields: ['id', 'image', 'created', 'state', 'name', 'attempt', 'podId', 'pod'] };
  if (program === 'crictl' && words[0] === 'pods') return { what: 'crictl-pods', fields: ['podId', 'created', 'state', 'name', 'namespace', 'attempt', 'runtime'] };
  if (program === 'docker' && (words[0] === 'ps' || (words[0] === 'container' && words[1] === 'ls')))
    return { what: 'docker-ps', fields: ['id', 'image', 'command', 'created', 'status', 'ports', 'name'] };
  return null;
}

/** kubelet's Docker container names: k8s_CONTAINER_POD_NAMESPACE_UID_ATTEMPT. */
const KUBELET_NAME = /^k8s_([^_]+)_([^_]+)_([^_]+)_([0-9a-f-]{8,})_(\d+)$/;

/** The objects one row names; null when the line is not a row of this table. */
export function parseContainerRow(table: ContainerTable, line: string): ContainerObject[] | null {
  if (line.length > 4000) return null;
  const cells = line.trim().split(SPLIT);
  let fields = table.fields;
  // docker ps prints nothing under PORTS for most containers; crictl ps before 1.22 had no POD column.
  if (cells.length === fields.length - 1 && fields.includes('ports')) fields = fields.filter((f) => f !== 'ports');
  else if (cells.length === fields.length - 1 && fields[fields.length - 1] === 'pod') fields = fields.slice(0, -1);
  if (cells.length !== fields.length) return null;
  const get = (f: Field): string | undefined => {
    const i = fields.indexOf(f);
    return i >= 0 ? cells[i] : undefined;
  };
  const id = get(table.what === 'crictl-pods' ? 'podId' : 'id');
  if (!id || !ID.test(id)) return null;
  const text = line.trim();
  if (table.what === 'crictl-pods') {
    return [{ kind: 'pod', name: get('name') ?? id, namespace: get('namespace'), status: get('state'), id, line: text }];
  }
  const attempt = get('attempt');
  const container: ContainerObject = {
    kind: 'container',
    name: get('name') ?? id,
    status: get('state') ?? get('status'),
    id,
    image: get('image'),
    pod: get('pod'),
    podId: get('podId'),
    attempt: attempt && /^\d+$/.test(attempt) ? Number(attempt) : undefined,
    line: text,
  };
  const kube = KUBELET_NAME.exec(container.name);
  if (kube) {
    const pod: ContainerObject = { kind: 'pod', name: kube[2], namespace: kube[3], line: text };
    if (kube[1] === 'POD') return [{ ...pod, id, status: container.status }];
    return [{ ...container, name: kube[1], pod: kube[2], namespace: kube[3], attempt: Number(kube[5]) }, pod];
  }
  const out: ContainerObject[] = [container];
  if (container.pod) out.push({ kind: 'pod', name: container.pod, id: container.podId, line: text });
  return out;
}
