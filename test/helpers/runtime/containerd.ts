import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, readlinkSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onCleanup, trackPid } from '../kernel/cleanup';
import { waitFor } from '../kernel/processes';
import { BUSYBOX, buildBusyboxImage } from './busybox-image';
import { createCriTestClient, type CriTestClient } from './cri-test-client';

/** The image every sandbox and container runs (the CRI normalises names to docker.io/…). */
export const TEST_IMAGE = 'docker.io/whystuck/busybox:test';
/** containerd 1.6 puts its shims' sockets here, whatever its own state directory. */
const SHIM_SOCKETS = '/run/containerd/s';

export interface TestContainerd {
  dir: string;
  /** Its CRI socket, as a path and as an endpoint. */
  socket: string;
  endpoint: string;
  pid: number;
  cri: CriTestClient;
  /** Pod cgroups (path under each v1 controller, e.g. /kubepods/burstable/pod<uid>) to remove at teardown. */
  podCgroups: Set<string>;
  /** containerd's log so far (for failure messages). */
  log(): string;
}

export function containerdAvailable(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'needs root to run containerd' };
  for (const bin of ['containerd', 'runc', 'ctr', 'containerd-shim-runc-v2']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return { ok: false, reason: `${bin} is not installed (Debian packages containerd and runc; .ci/run installs them)` };
  }
  if (!existsSync(BUSYBOX)) return { ok: false, reason: `${BUSYBOX} is missing (Debian package busybox-static)` };
  // The image holds busybox alone: a dynamic one (Debian's busybox) would need a libc in it.
  if (/\/ld-(linux|musl)/.test(readFileSync(BUSYBOX).subarray(0, 4096).toString('latin1'))) return { ok: false, reason: `${BUSYBOX} is dynamically linked: install busybox-static` };
  if (!existsSync('/sys/fs/cgroup/memory/tasks') && !existsSync('/sys/fs/cgroup/cgroup.controllers')) return { ok: false, reason: 'no cgroup hierarchy at /sys/fs/cgroup' };
  return { ok: true };
}

/** Every v1 controller directory (or the v2 root) under /sys/fs/cgroup. */
function cgroupRoots(): string[] {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return ['/sys/fs/cgroup'];
  return readdirSync('/sys/fs/cgroup')
    .map((c) => `/sys/fs/cgroup/${c}`)
    .filter((d) => {
      try {
        return statSync(d).isDirectory() && existsSync(`${d}/cgroup.procs`);
      } catch {
        return false;
      }
    });
}

/** Directories under `dir`, deepest first. */
function subdirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) out.push(...subdirs(join(dir, e.name)));
  out.push(dir);
  return out;
}

const pidsIn = (cgroupDir: string): number[] =>
  subdirs(cgroupDir).flatMap((d) => {
    try {
      return readFileSync(`${d}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });

const kill = (pid: number): void => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
};

/**
 * This containerd's shims: processes named containerd-shim whose working
 * directory (their task's bundle) is under `dir`. Only stat and the cwd link
 * are read — never another process's cmdline, which blocks behind a held
 * mmap lock (the hang tests make exactly such processes).
 */
function shimsUnder(dir: string): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
        if (!stat.includes('(containerd-shim')) return false;
        return readlinkSync(`/proc/${pid}/cwd`).startsWith(`${dir}/`);
      } catch {
        return false;
      }
    });
}

/** The shim sockets containerd 1.6 made for this instance: /run/containerd/s/sha256(address/namespace/id). */
function shimSocketsOf(socket: string, stateDir: string): string[] {
  const tasks = join(stateDir, 'io.containerd.runtime.v2.task', 'k8s.io');
  const ids = existsSync(tasks) ? readdirSync(tasks) : [];
  return ids.map((id) =>
    join(
      SHIM_SOCKETS,
      createHash('sha256')
        .update(join(socket, 'k8s.io', id))
        .digest('hex'),
    ),
  );
}

/**
 * Starts Debian's containerd with everything of its own in a temporary
 * directory (root, state, socket, runc root, CRI state), the CRI plugin on,
 * no CNI (sandboxes use the host network), the busybox image imported as
 * sandbox and container image. Torn down by cleanupAll(), even after a failed
 * test: pods stopped and removed through the CRI (bounded), then containerd
 * killed by pid, its shims and every process left in the pods' cgroups
 * killed, its mounts unmounted, cgroups and directories removed.
 */
export async function startContainerd(): Promise<TestContainerd> {
  const dir = mkdtempSync('/tmp/whystuck-ctrd-');
  const socket = join(dir, 'containerd.sock');
  const endpoint = `unix://${socket}`;
  const podCgroups = new Set<string>();
  const hadRunContainerd = existsSync('/run/containerd');
  const hadShimSockets = existsSync(SHIM_SOCKETS);
  // runc makes the pods' parents (/kubepods/burstable) as needed: removed again where they were not there before.
  const newParents = cgroupRoots().flatMap((root) => ['/kubepods/burstable', '/kubepods'].filter((p) => !existsSync(`${root}${p}`)).map((p) => `${root}${p}`));
  let pid = 0;
  let cri: CriTestClient | undefined;

  // Registered first, so it runs last: after the pods' and the FUSE mounts' own steps.
  onCleanup(`containerd ${dir}`, async () => {
    cri?.close();
    if (pid) kill(pid);
    for (const p of shimsUnder(dir)) kill(p);
    const left = [...podCgroups].flatMap((cg) => cgroupRoots().flatMap((root) => pidsIn(`${root}${cg}`)));
    for (const p of left) kill(p);
    await waitFor(() => [...podCgroups].every((cg) => cgroupRoots().every((root) => pidsIn(`${root}${cg}`).length === 0)), "the pods' processes to exit", 3000).catch(() => undefined);
    // Its mounts (rootfs overlays, sandbox shm), deepest first.
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4])
      .filter((m) => m && m.startsWith(`${dir}/`));
    for (const m of mounts.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', m], { timeout: 3000 });
    for (const cg of podCgroups) {
      for (const root of cgroupRoots()) {
        for (const d of subdirs(`${root}${cg}`)) {
          try {
            rmdirSync(d);
          } catch {
            /* busy or gone */
          }
        }
      }
    }
    for (const d of newParents) {
      try {
        rmdirSync(d);
      } catch {
        /* busy (another test's pods) or gone */
      }
    }
    // Only this instance's shim sockets; the directories only when empty (another containerd may use them).
    for (const s of shimSocketsOf(socket, join(dir, 'state'))) rmSync(s, { force: true });
    for (const [d, had] of [
      [SHIM_SOCKETS, hadShimSockets],
      ['/run/containerd', hadRunContainerd],
    ] as const) {
      try {
        if (!had) rmdirSync(d);
      } catch {
        /* not empty, or gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const image = buildBusyboxImage(join(dir, 'image'), TEST_IMAGE);
  for (const d of ['root', 'state', 'runc', 'cni/bin', 'cni/conf', 'opt', 'logs']) mkdirSync(join(dir, d), { recursive: true });
  const cri1 = 'plugins."io.containerd.grpc.v1.cri"';
  writeFileSync(
    join(dir, 'config.toml'),
    `version = 2
root = "${dir}/root"
state = "${dir}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "${socket}"
[ttrpc]
  address = "${socket}.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "${dir}/opt"
[${cri1}]
  sandbox_image = "${TEST_IMAGE}"
  # The sandbox's oom_score_adj of -998 is refused in this VM ("can't get final child's PID from pipe").
  restrict_oom_score_adj = true
  [${cri1}.cni]
    bin_dir = "${dir}/cni/bin"
    conf_dir = "${dir}/cni/conf"
  [${cri1}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [${cri1}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [${cri1}.containerd.runtimes.runc.options]
        Root = "${dir}/runc"
        SystemdCgroup = false
`,
  );
  const logPath = join(dir, 'containerd.log');
  const logFd = openSync(logPath, 'a');
  const child = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: ['ignore', logFd, logFd], detached: false });
  closeSync(logFd);
  pid = trackPid(child.pid);
  const log = (): string => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  await waitFor(() => exited !== null || existsSync(socket), "containerd's socket", 15000);
  if (exited !== null) throw new Error(`containerd exited with ${exited}:\n${log().slice(-2000)}`);
  cri = createCriTestClient(endpoint);
  // The CRI plugin serves a moment after the socket appears.
  for (let i = 0; ; i++) {
    try {
      await cri.call('Version', { version: 'v1' }, 2000);
      break;
    } catch (err) {
      if (i > 30) throw new Error(`containerd's CRI plugin does not answer: ${(err as Error).message}\n${log().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const imp = spawnSync('ctr', ['-a', socket, '-n', 'k8s.io', 'images', 'import', image], { timeout: 60000, encoding: 'utf8' });
  if (imp.status !== 0) throw new Error(`ctr images import failed: ${imp.stderr || imp.stdout}`);

  // Registered after the hard teardown, so it runs before it: pods stopped and removed the kubelet's way, bounded.
  const client = cri;
  onCleanup(`containerd ${dir}: pods`, async () => {
    const list = await client.call('ListPodSandbox', {}, 1500).catch(() => ({ items: [] }));
    await Promise.all(
      list.items.map(async (s) => {
        await client.call('StopPodSandbox', { pod_sandbox_id: s.id }, 1500).catch(() => undefined);
        await client.call('RemovePodSandbox', { pod_sandbox_id: s.id }, 1500).catch(() => undefined);
      }),
    );
  });
  return { dir, socket, endpoint, pid, cri, podCgroups, log };
}
