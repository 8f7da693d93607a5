import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { NodeFacts } from '../../../../proto/generated/whystuck/v1/NodeFacts';
import { type GuardedReader, type GuardedResult, readNodeFacts, parseProcStat } from '../../../../collector/src';
import { utf8 } from './remote-records';
import type { RemoteScan } from './remote-scan';

/**
 * Node facts from a remote scan, computed by the collector's own
 * `readNodeFacts`, so loadavg, CPU split, PSI, mounts, freezer and memcg OOM
 * facts mean exactly what they mean on a node with a collector.
 *
 * `readNodeFacts` takes its /proc files through the `GuardedReader`
 * interface: here one that answers from the files the script sent. Block
 * devices and pod cgroups it reads from a sysfs and a cgroup root directory:
 * here a private temporary copy of the remote symlinks and state files
 * (a few small files, removed before returning).
 */
export async function remoteNodeFacts(scan: RemoteScan): Promise<NodeFacts> {
  const files = new Map<string, string>();
  for (const [name, text] of scan.node) files.set(`/proc/${name}`, name.endsWith('mountinfo') ? utf8(text) : text);
  for (const [name, text] of scan.cpu2) files.set(`/proc/${name}`, text);
  const mirror = mkdtempSync(join(tmpdir(), 'whystuck-ssh-sys-'));
  try {
    mirrorBlockDevices(mirror, scan.blockLinks);
    mirrorCgroups(join(mirror, 'cgroup'), scan);
    const first = parseProcStat(scan.cpu1.get('stat') ?? '');
    const src = { procRoot: '/proc', sysRoot: mirror, cgroupRoot: join(mirror, 'cgroup'), reader: answeringReader(files) };
    const node = await readNodeFacts(src, first, intervalMs(scan));
    // readNodeFacts names the machine it runs on; these are the remote node's.
    const line = (name: string): string => (scan.node.get(name) ?? '').trim();
    return { ...node, hostname: line('sys/kernel/hostname'), kernel_release: line('sys/kernel/osrelease'), kernel_version: line('sys/kernel/version') };
  } finally {
    rmSync(mirror, { recursive: true, force: true });
  }
}

/** Between the two /proc/stat samples, from /proc/uptime (hundredths of a second). */
function intervalMs(scan: RemoteScan): number {
  const up = (m: Map<string, string>): number => Number((m.get('uptime') ?? '').split(/\s+/)[0]);
  const ms = Math.round((up(scan.cpu2) - up(scan.cpu1)) * 1000);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/** A GuardedReader whose reads answer from the files the script sent (readNodeFacts only reads). */
function answeringReader(files: Map<string, string>): GuardedReader {
  const reader = {
    async read(path: string): Promise<GuardedResult> {
      const text = files.get(path);
      return text === undefined ? { status: 'error', code: 'ENOENT', message: `${path} was not read over SSH`, tookMs: 0 } : { status: 'ok', text, truncated: false, tookMs: 0 };
    },
    async scan(): Promise<GuardedResult> {
      return { status: 'no-reader', reason: 'tasks are scanned by the remote script' };
    },
    async readMany(paths: string[]): Promise<GuardedResult[]> {
      return Promise.all(paths.map((p) => reader.read(p)));
    },
    async cgroups(): Promise<GuardedResult> {
      return { status: 'no-reader', reason: 'cgroup membership is read by the remote script' };
    },
    stuck: () => [],
    close: async () => undefined,
  };
  return reader;
}

const DEVICE = /^\d+:\d+$/;
const MAX_MIRRORED = 50_000;

/** `ls -l /sys/dev/block` lines ("... 253:0 -> ../../devices/virtual/block/rbd0") as symlinks. */
function mirrorBlockDevices(root: string, lsOutput: string): void {
  const dir = join(root, 'dev', 'block');
  mkdirSync(dir, { recursive: true });
  for (const line of lsOutput.split('\n').slice(0, MAX_MIRRORED)) {
    const m = / (\d+:\d+) -> (.+)$/.exec(line);
    if (m && DEVICE.test(m[1]) && m[2].length < 4096) symlinkSync(m[2], join(dir, m[1]));
  }
}

const SEGMENT = /^[\w.:@=+,-]+$/;

/** Remote /sys/fs/cgroup markers and pod state files, at the same relative paths. */
function mirrorCgroups(root: string, scan: RemoteScan): void {
  mkdirSync(root, { recursive: true });
  const put = (abs: string, text: string): void => {
    const rel = abs.slice('/sys/fs/cgroup/'.length).split('/');
    if (!abs.startsWith('/sys/fs/cgroup/') || rel.some((s) => !SEGMENT.test(s) || s === '.' || s === '..')) return;
    const path = join(root, ...rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text, 'latin1');
  };
  for (const marker of scan.cgroupMarkers) put(marker, '');
  let n = 0;
  for (const [path, text] of scan.cgroupFiles) {
    if (++n > MAX_MIRRORED) break;
    put(path, text);
  }
}
