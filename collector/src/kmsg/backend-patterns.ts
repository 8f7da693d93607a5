// The kinds are the bot's evidence model's (a type-only import: nothing of the bot is loaded).
import type { BackendEvent } from '../../../bot/src/evidence/evidence';

/**
 * Kernel log lines that say a storage backend failed, is full, or stopped
 * answering. Matched on the message text only (prefix already stripped).
 */
interface Pattern {
  re: RegExp;
  kind: BackendEvent['kind'];
  subsystem: BackendEvent['subsystem'];
  /** Group holding the target (device, server, osd); 0 = fixed target below. */
  group: number;
  target?: string;
}

const PATTERNS: Pattern[] = [
  { re: /libceph: (?:FULL or reached pool quota|.*\bpool\b.*\bfull\b)/i, kind: 'ceph-full', subsystem: 'ceph', group: 0, target: 'ceph pool' },
  { re: /libceph: (osd\d+)\b.*\b(?:down|socket closed|socket error|connect error|bad crc)/, kind: 'ceph-osd-down', subsystem: 'ceph', group: 1 },
  { re: /libceph: (mon\d+)\b.*\b(?:session lost|hunting|socket closed|connection lost|socket error)/, kind: 'ceph-mon-lost', subsystem: 'ceph', group: 1 },
  { re: /\bnfs: server (\S+) not responding/, kind: 'nfs-not-responding', subsystem: 'nfs', group: 1 },
  { re: /\bnfs: server (\S+) OK/, kind: 'nfs-ok', subsystem: 'nfs', group: 1 },
  { re: /\b(connection\d+:\d+): (?:detected conn error|ping timeout)/, kind: 'iscsi-conn-error', subsystem: 'iscsi', group: 1 },
  { re: /\b(session\d+): session recovery timed out/, kind: 'iscsi-conn-error', subsystem: 'iscsi', group: 1 },
  { re: /\bnvme (nvme\d+): (?:I\/O \d+ (?:\(\w+\) )?QID \d+ timeout|controller is down|resetting controller|Abort status|Device not ready|Removing after probe failure)/, kind: 'nvme-timeout', subsystem: 'nvme', group: 1 },
  { re: /\bsd (\d+:\d+:\d+:\d+): (?:.*timing out command|.*\bFAILED Result\b|\[\w+\] tag#\d+ (?:abort|timing out))/, kind: 'scsi-timeout', subsystem: 'scsi', group: 1 },
  { re: /\bscsi host\d+: .*\b(?:abort|reset|timed out)\b.*?(?:\b(sd\w+)\b)?/i, kind: 'scsi-timeout', subsystem: 'scsi', group: 1 },
  { re: /(?:blk_update_request: |\bBuffer )?I\/O error,? (?:on )?dev (\w+)/, kind: 'io-error', subsystem: 'block', group: 1 },
  { re: /\bXFS \(([\w-]+)\): .*(?:Filesystem has been shut down|[Ss]hutting down filesystem|xfs_do_force_shutdown)/, kind: 'xfs-shutdown', subsystem: 'xfs', group: 1 },
  { re: /\bXFS \(([\w-]+)\): .*(?:[Ll]og I\/O [Ee]rror|metadata I\/O error|writeback error|I\/O error)/, kind: 'xfs-io-error', subsystem: 'xfs', group: 1 },
  { re: /\bEXT4-fs (?:error|warning) \(device ([\w-]+)\)/, kind: 'ext4-error', subsystem: 'ext4', group: 1 },
  { re: /\bEXT4-fs \(([\w-]+)\): (?:.*\berror\b|Remounting filesystem read-only|I\/O error)/, kind: 'ext4-error', subsystem: 'ext4', group: 1 },
  { re: /\bAborting journal on device ([\w-]+)/, kind: 'ext4-error', subsystem: 'ext4', group: 1 },
  { re: /\bfuse: (?:.*\b(?:abort|connection lost|daemon)\b.*)/i, kind: 'fuse-error', subsystem: 'fuse', group: 0, target: 'fuse' },
];

const PREFILTER = /libceph|nfs:|connection\d|session\d|nvme|sd \d|scsi host|I\/O error|XFS \(|EXT4-fs|Aborting journal|fuse:/;

export function classifyBackendLine(text: string): Pick<BackendEvent, 'kind' | 'subsystem' | 'target'> | null {
  if (!PREFILTER.test(text)) return null;
  for (const p of PATTERNS) {
    const m = p.re.exec(text);
    if (m) return { kind: p.kind, subsystem: p.subsystem, target: (p.group ? m[p.group] : p.target) ?? p.subsystem };
  }
  return null;
}
