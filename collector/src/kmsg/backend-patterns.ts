import type { BackendLine, BackendLineKind, BackendSubsystem } from './backend-kinds';

/**
 * Kernel log lines that say a storage backend failed, is full, or stopped
 * answering. Matched on the message text only (prefix already stripped).
 * libata is the SCSI layer's ATA driver: its error handler lines are SCSI
 * events named by port ("ata3"); sd lines are named by disk ("sdb") when the
 * kernel prints it, else by H:C:T:L.
 */
interface Pattern {
  re: RegExp;
  /**
   * Words of PREFILTER (bits) one of which every match holds, or a literal
   * every match holds: a pattern whose words the line lacks is not tried.
   * Case-insensitive patterns have none (they are cheap: each starts with its word).
   */
  needs?: number | string;
  /** And one of these literals (each match holds one). */
  andOneOf?: readonly string[];
  kind: BackendLineKind;
  subsystem: BackendSubsystem;
  /** Group holding the target (device, server, osd); 0 = fixed target below. A second group is tried when the first did not take part. */
  group: number;
  alt?: number;
  target?: string;
}

/** An sd line: "sd 2:0:0:0: [sdb] tag#12 ..." (group 1 H:C:T:L, group 2 disk). */
const SD = String.raw`\bsd (\d+:\d+:\d+:\d+): (?:\[(\w+)\] )?(?:tag#\d+ )?`;

const PREFILTER = /libceph|nfs:|connection\d|session\d|nvme|sd \d|scsi host|ata\d|error, dev|error on dev|I\/O error|XFS \(|EXT4-fs|Aborting journal|fuse:/;
/** PREFILTER's words as bits, in its order. */
const W = {
  libceph: 1 << 0,
  nfs: 1 << 1,
  connection: 1 << 2,
  session: 1 << 3,
  nvme: 1 << 4,
  sd: 1 << 5,
  scsiHost: 1 << 6,
  ata: 1 << 7,
  errorDev: 1 << 8,
  errorOnDev: 1 << 9,
  ioError: 1 << 10,
  xfs: 1 << 11,
  ext4: 1 << 12,
  aborting: 1 << 13,
  fuse: 1 << 14,
};

const PATTERNS: Pattern[] = [
  { re: /libceph: (?:FULL or reached pool quota|(?=.*\bpool\b).*\bfull\b)/i, kind: 'ceph-full', subsystem: 'ceph', group: 0, target: 'ceph pool' },
  { re: /libceph: (osd\d+)\b.*\b(?:down|socket closed|socket error|connect error|bad crc)/, kind: 'ceph-osd-down', subsystem: 'ceph', group: 1, needs: W.libceph },
  { re: /libceph: (mon\d+)\b.*\b(?:session lost|hunting|socket closed|connection lost|socket error)/, kind: 'ceph-mon-lost', subsystem: 'ceph', group: 1, needs: W.libceph },
  { re: /\bnfs: server (\S+) not responding/, kind: 'nfs-not-responding', subsystem: 'nfs', group: 1, needs: W.nfs },
  { re: /\bnfs: server (\S+) OK/, kind: 'nfs-ok', subsystem: 'nfs', group: 1, needs: W.nfs },
  // iSCSI initiator: connection errors and the session giving up (I/O to its disks then fails).
  { re: /\b(connection\d+:\d+): (?:detected conn error|ping timeout|iscsi_conn_failure)/, kind: 'iscsi-conn-error', subsystem: 'iscsi', group: 1, needs: W.connection },
  { re: /\b(session\d+): session recovery timed out/, kind: 'iscsi-conn-error', subsystem: 'iscsi', group: 1, needs: W.session },
  // NVMe (PCIe and over fabrics): command timeouts, keep-alive loss, error recovery and reconnect loops, removal.
  {
    re: /\bnvme (nvme\d+): (?:I\/O (?:tag )?\d+ (?:\(\w+\) )?(?:opcode 0x[0-9a-f]+ \([\w\/ ]{1,16}\) )?QID \d+ timeout|queue \d+: timeout (?:request|cid)|failed nvme_keep_alive|[Ff]ailed to send keep[- ]?alive|keep[- ]?alive (?:timeout|failed|expired)|starting error recovery|Reconnecting in|Failed reconnect|failed to connect (?:socket|queue)|controller is down|resetting controller|Abort status|Device not ready|Removing after probe failure|Disabling device after reset failure)/,
    kind: 'nvme-timeout',
    subsystem: 'nvme',
    group: 1,
    needs: W.nvme,
  },
  // Multipath with no live path: I/O waits ("requeuing") or fails.
  { re: /(?:\b(nvme\d+(?:c\d+)?n\d+): )?no (?:usable|available) path - requeuing I\/O/, kind: 'nvme-timeout', subsystem: 'nvme', group: 1, needs: 'path - ' },
  { re: /(?:\b(nvme\d+(?:c\d+)?n\d+): )?no (?:usable|available) path - failing I\/O/, kind: 'io-error', subsystem: 'nvme', group: 1, needs: 'path - ' },
  // libata error handler.
  {
    re: /\b(ata\d+)(?:\.\d+)?: (?:exception Emask .*\b(?:frozen|timeout)\b|hard resetting link|soft resetting link|COMRESET failed|link is slow to respond|qc timeout|failed to IDENTIFY|revalidation failed|limiting SATA link speed|SATA link down|disabled$|EH pending after|failed to recover)/,
    kind: 'scsi-timeout',
    subsystem: 'scsi',
    group: 1,
    needs: W.ata,
  },
  { re: /\b(ata\d+)(?:\.\d+)?: (?:exception Emask|failed command: |error: \{ [A-Z ]*(?:UNC|IDNF|ABRT|ICRC)|status: \{ [A-Z ]*ERR)/, kind: 'io-error', subsystem: 'scsi', group: 1, needs: W.ata },
  // SCSI disks: timeouts, failed commands, sense errors, offline devices.
  {
    re: new RegExp(`${SD}(?:.*timing out command|abort|FAILED Result: .*(?:DID_TIME_OUT|DRIVER_TIMEOUT)| ?Result: .*(?:DID_TIME_OUT|DRIVER_TIMEOUT))`),
    kind: 'scsi-timeout',
    subsystem: 'scsi',
    group: 2,
    alt: 1,
    needs: W.sd,
  },
  {
    re: new RegExp(
      `${SD}(?:FAILED Result|Sense Key : (?:Medium|Hardware) Error|Unhandled (?:error|sense) code| ?Result: hostbyte=DID_(?!OK\\b)|rejecting I\\/O to (?:offline|dead) device|Device offlined|scsi_io_completion)`,
    ),
    kind: 'io-error',
    subsystem: 'scsi',
    group: 2,
    alt: 1,
    needs: W.sd,
  },
  { re: /\bscsi host\d+: .*\b(?:abort|reset|timed out)\b/i, kind: 'scsi-timeout', subsystem: 'scsi', group: 0, target: 'scsi' },
  // Block layer completions: "blk_update_request: I/O error, dev sdb", 6.x "I/O error, dev sdb, sector ... op 0x1:(WRITE)",
  // "critical medium error, dev sdb", "Buffer I/O error on device sdb1".
  {
    re: /\b(?:I\/O|critical (?:medium|target|nexus|space allocation|protection)|timeout|recoverable transport) error,? (?:on )?dev(?:ice)? ([\w-]+)/,
    kind: 'io-error',
    subsystem: 'block',
    group: 1,
    needs: ' error',
  },
  { re: /\bXFS \(([\w-]+)\): .*(?:Filesystem has been shut down|[Ss]hutting down filesystem|xfs_do_force_shutdown)/, kind: 'xfs-shutdown', subsystem: 'xfs', group: 1, needs: W.xfs },
  { re: /\bXFS \(([\w-]+)\): .*(?:[Ll]og I\/O [Ee]rror|metadata I\/O error|writeback error|I\/O error)/, kind: 'xfs-io-error', subsystem: 'xfs', group: 1, needs: W.xfs },
  { re: /\bEXT4-fs (?:error|warning) \(device ([\w-]+)\)/, kind: 'ext4-error', subsystem: 'ext4', group: 1, needs: W.ext4, andOneOf: ['(device '] },
  {
    re: /\bEXT4-fs \(([\w-]+)\): (?:.*\berror\b|Remounting filesystem read-only|I\/O error)/,
    kind: 'ext4-error',
    subsystem: 'ext4',
    group: 1,
    needs: W.ext4,
    andOneOf: ['error', 'Remounting filesystem read-only'],
  },
  { re: /\bAborting journal on device ([\w-]+)/, kind: 'ext4-error', subsystem: 'ext4', group: 1, needs: W.aborting },
  { re: /\bfuse: (?:.*\b(?:abort|connection lost|daemon)\b.*)/i, kind: 'fuse-error', subsystem: 'fuse', group: 0, target: 'fuse' },
];

/** Every line a pattern is tried on holds one of these words (for one-scan gates of callers). */
export const BACKEND_WORDS: RegExp = PREFILTER;
/** PREFILTER's words, each on its own (sticky: tried where the scan found one) and all of them (global: the scan). */
const WORD_AT = PREFILTER.source.split('|').map((w) => new RegExp(w, 'y'));
const ANY_WORD = new RegExp(PREFILTER.source, 'g');
/** The words that can start with a pair of characters (key: the two char codes), with their bits. */
const WORDS_BY_START = new Map<number, { at: RegExp; bit: number }[]>();
PREFILTER.source.split('|').forEach((w, i) => {
  // Every word starts with two literal characters (no class, no escape before the third).
  const plain = w.replace(/\\(.)/g, '$1');
  const key = plain.charCodeAt(0) * 65536 + plain.charCodeAt(1);
  WORDS_BY_START.set(key, [...(WORDS_BY_START.get(key) ?? []), { at: WORD_AT[i], bit: 1 << i }]);
});

/** Which of PREFILTER's words the line holds (bits): 0 when none, where PREFILTER refuses the line. No two words can start at one place. */
function wordsOf(text: string): number {
  let bits = 0;
  ANY_WORD.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ANY_WORD.exec(text))) {
    const at = m.index;
    const words = WORDS_BY_START.get(text.charCodeAt(at) * 65536 + text.charCodeAt(at + 1))!;
    if (words.length === 1) bits |= words[0].bit;
    else
      for (const w of words) {
        w.at.lastIndex = at;
        if (w.at.test(text)) {
          bits |= w.bit;
          break;
        }
      }
    ANY_WORD.lastIndex = at + 1;
  }
  return bits;
}

export function classifyBackendLine(text: string): BackendLine | null {
  const words = wordsOf(text);
  if (words === 0) return null;
  for (const p of PATTERNS) {
    if (typeof p.needs === 'number' ? (p.needs & words) === 0 : p.needs !== undefined && !text.includes(p.needs)) continue;
    if (p.andOneOf && !p.andOneOf.some((w) => text.includes(w))) continue;
    const m = p.re.exec(text);
    if (m) return { kind: p.kind, subsystem: p.subsystem, target: (p.group ? (m[p.group] ?? (p.alt ? m[p.alt] : undefined)) : p.target) ?? p.subsystem };
  }
  return null;
}

/** The patterns themselves, for the linear-time regression test. */
export const BACKEND_PATTERNS: readonly RegExp[] = [PREFILTER, ...PATTERNS.map((p) => p.re)];
