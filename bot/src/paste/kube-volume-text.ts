import type { KubeVolumeIssue } from '../evidence/evidence';
import { UID, volumePath } from './kube-store';

/**
 * The kubelet's volume errors, in whatever shape they arrive (a journal line,
 * an event message, `Error: "…"` quoted in an issue, with its quotes escaped
 * once or twice), and a pod volume path that fails when touched (`ls: cannot
 * access '…/globalmount': Input/output error`, `lstat …: stale NFS file handle`).
 */
export type VolumeIssueFacts = Omit<KubeVolumeIssue, 'count' | 'line' | 'time'>;

/** One cheap pass before any of the patterns below. */
const GATE = /olume|ount|Input\/output error|tale (?:NFS )?file handle|Multi-Attach|not connected/;
/** …and says something failed: a volume line that only reports progress is not an issue. */
const FAILS = /fail|rror|Unable|Multi-Attach|busy|tale (?:NFS )?file|not connected|timed out|not found/;

const OPERATIONS: [RegExp, KubeVolumeIssue['operation']][] = [
  [/UnmountVolume\.TearDown(?:At)? failed|TearDownAt failed|UnmountVolume failed/, 'unmount'],
  [/UnmountDevice failed|UnmapDevice failed|UnmapVolume\.\w+ failed|UnmountVolume\.UnmountDevice/, 'unmount-device'],
  [/error cleaning subPath mounts|failed to clean(?:up)? subpath/i, 'subpath-cleanup'],
  [/Multi-Attach error/, 'multi-attach'],
  [/DetachVolume\.Detach failed/, 'detach'],
  [/AttachVolume\.Attach failed/, 'attach'],
  [/MountVolume\.\w+ failed|Unable to (?:attach or )?mount volumes/, 'mount'],
  [/[Oo]rphaned pod "[^"]{1,64}" found, but/, 'unmount'],
];

const VOLUME_NAME = /for volume "([^"\s]{1,253})"/;
const UNMOUNTED = /unmounted volumes=\[([^\]]{0,2000})\]/;
const UNIQUE = /UniqueName: "([^"]{1,600})"/;
const POD_UID_QUOTED = /(?:\bpod "|\(UID: "|podUID="?|[Oo]rphaned pod ")([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/;
const POD_KEY = /\bpod="([a-z0-9][-a-z0-9.]{0,252})\/([a-z0-9][-a-z0-9.]{0,252})"/;
/** The kubelet's older pod names: pod "web-0_shop(0cc35038-…)". */
const POD_OLD = /\bpod "([a-z0-9][-a-z0-9.]{0,252})_([a-z0-9][-a-z0-9]{0,62})\(/;

export function errnoOf(text: string): KubeVolumeIssue['errno'] {
  if (/resource busy|target is busy|EBUSY/.test(text)) return 'EBUSY';
  if (/[Ss]tale (?:NFS )?file handle|ESTALE/.test(text)) return 'ESTALE';
  if (/[Ii]nput\/output error|EIO\b/.test(text)) return 'EIO';
  if (/transport endpoint is not connected|ENOTCONN/.test(text)) return 'ENOTCONN';
  if (/exit status 32/.test(text)) return 'EXIT32';
  if (/not found in the list of registered CSI drivers|driver name \S{1,253} not found/.test(text)) return 'DRIVER';
  if (/timed out waiting for the condition|deadline exceeded|DeadlineExceeded|timed out/.test(text)) return 'TIMEOUT';
  return undefined;
}

const PATH_END = new Set([32, 9, 34, 39, 96, 58, 44, 41, 93]);

/** The first path under a kubelet pods/plugins directory in the text (scanned, not matched: paths can be long). */
export function kubeletPath(text: string): string | undefined {
  let at = text.indexOf('/pods/');
  const plugins = text.indexOf('/plugins/kubernetes.io/');
  if (at < 0 || (plugins >= 0 && plugins < at)) at = plugins;
  if (at < 0) return undefined;
  let start = at;
  while (start > 0 && !PATH_END.has(text.charCodeAt(start - 1))) start--;
  let end = at + 1;
  while (end < text.length && !PATH_END.has(text.charCodeAt(end))) end++;
  const path = text.slice(start, end);
  return path.startsWith('/') && path.length <= 4096 ? path : undefined;
}

export function volumeIssueOf(raw: string): VolumeIssueFacts | null {
  if (raw.length > 16_384 || !GATE.test(raw) || !FAILS.test(raw)) return null;
  // Journal and JSON logs escape the kubelet's quotes, sometimes twice.
  const text = raw.includes('\\"') ? raw.replace(/\\+"/g, '"') : raw;
  let operation: KubeVolumeIssue['operation'] | undefined;
  let opEnd = 0;
  for (const [re, op] of OPERATIONS) {
    const m = re.exec(text);
    if (m) {
      operation = op;
      opEnd = m.index + m[0].length;
      break;
    }
  }
  const errno = errnoOf(text);
  const path = kubeletPath(text);
  const vp = path ? volumePath(path) : null;
  if (!operation) {
    // A pod volume path that errors when touched: EIO, ESTALE, ENOTCONN on the kubelet's own paths.
    if (!path || !vp || (errno !== 'EIO' && errno !== 'ESTALE' && errno !== 'ENOTCONN')) return null;
    operation = 'access';
  }
  let volume = VOLUME_NAME.exec(text)?.[1];
  if (!volume && operation === 'mount') volume = UNMOUNTED.exec(text)?.[1].split(/\s+/)[0];
  volume ??= vp?.volume ?? vp?.pv;
  if (!volume) volume = operation === 'unmount' && /[Oo]rphaned pod/.test(text) ? 'volume directories' : undefined;
  if (!volume) return null;
  const unique = UNIQUE.exec(text)?.[1];
  let plugin = vp?.plugin;
  let driver = vp?.driver;
  if (unique) {
    const parts = unique.split('/');
    if (parts.length >= 2) plugin ??= `${parts[0]}/${parts[1]}`;
    if (plugin === 'kubernetes.io/csi' && parts[2]) driver ??= parts[2].split('^')[0];
  }
  const podKey = POD_KEY.exec(text);
  const podOld = podKey ? null : POD_OLD.exec(text);
  const uid = POD_UID_QUOTED.exec(text)?.[1] ?? (vp?.podUid && UID.test(vp.podUid) ? vp.podUid : undefined);
  const after = text
    .slice(opEnd)
    .replace(/^[\s:]+/, '')
    .replace(/^for volume "[^"]{0,253}"\s*:?\s*/, '');
  const colon = after.lastIndexOf(' : ');
  const error = (colon >= 0 ? after.slice(colon + 3) : after || text).trim().replace(/"+$/, '').slice(0, 300);
  return {
    volume,
    operation,
    error,
    errno: errno ?? 'OTHER',
    podUid: uid,
    pod: podKey?.[2] ?? podOld?.[1],
    namespace: podKey?.[1] ?? podOld?.[2],
    plugin,
    driver,
    path,
    pvc: undefined,
  };
}
