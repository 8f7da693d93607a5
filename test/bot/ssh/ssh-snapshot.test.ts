import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import type { Task } from '../../../proto/generated/whystuck/v1/Task';
import { createSnapshotter, type Snapshotter } from '../../../collector/src/snapshot/snapshotter';
import { diagnose } from '../../../bot/src/diagnosis/engine';
import { scopeDiagnosis } from '../../../bot/src/diagnosis/scope-findings';
import { evidenceFromSnapshot } from '../../../bot/src/evidence/from-snapshot';
import { sshSnapshot } from '../../../bot/src/nodes/ssh/ssh-snapshot';
import { openSshSession } from '../../../bot/src/nodes/ssh/ssh-session';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { cgroupV1Available, createPodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnStopped, spawnZombies } from '../../helpers/kernel/processes';
import { startSshd, sshdAvailable, type TestSshd } from '../../helpers/ssh/sshd-server';
import { silentServer, targetFor } from '../../helpers/ssh/ssh-target';

const sshd = sshdAvailable();
const cg = cgroupV1Available();
if (!sshd.ok) process.stderr.write(`SSH snapshot tests skipped: ${sshd.reason}\n`);
const describeSsh = sshd.ok ? describe : describe.skip;
const itPods = cg.ok ? it : it.skip;

const n = (v: unknown): number => Number(v ?? 0);
const uptimeTicks = (): number => Math.floor(Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]) * 100);
const alive = (t: Task): boolean => {
  try {
    const s = readFileSync(`/proc/${n(t.tgid)}/task/${n(t.tid)}/stat`, 'latin1');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[19]) === n(t.start_time_ticks);
  } catch {
    return false;
  }
};

/** The facts of a task both snapshots must agree on (those that do not change while it lives). */
const identity = (t: Task) => ({
  // A kworker's comm names the workqueue it is running right now.
  tgid: n(t.tgid),
  ppid: n(t.ppid),
  comm: t.is_kernel_thread ? t.comm?.replace(/^(kworker\/[^-]+)-.*$/, '$1') : t.comm,
  start: n(t.start_time_ticks),
  kthread: Boolean(t.is_kernel_thread),
  leader: Boolean(t.is_thread_group_leader),
  nsInit: Boolean(t.is_pid_ns_init),
  pidNs: n(t.pid_ns_inode),
  nsPid: (t.ns_pid ?? []).map(n),
  pod: t.pod_uid ?? '',
  container: t.container_id ?? '',
  attribution: t.pod_attribution ?? '',
  cgroup: t.cgroup_path ?? '',
  uid: n(t.uid),
  cmdline: t.cmdline ?? '',
  freezer: t.freezer_state ?? '',
});

describeSsh('SSH snapshot against a real OpenSSH server on 127.0.0.1', () => {
  let server: TestSshd;
  let local: Snapshotter;
  beforeAll(async () => {
    server = await startSshd();
    local = createSnapshotter();
  });
  afterAll(async () => {
    await cleanupAll();
    await local?.close();
    await server?.stop();
  });
  afterEach(cleanupAll);

  async function both(): Promise<{ mine: SnapshotResponse; theirs: SnapshotResponse }> {
    const [theirs, mine] = await Promise.all([local.snapshot({ whole_node: true }), sshSnapshot(targetFor(server), { whole_node: true })]);
    if (mine.status !== 'ok') throw new Error(`ssh snapshot failed: ${mine.message}`);
    return { mine: mine.value, theirs: theirs as SnapshotResponse };
  }

  itPods('agrees with the collector snapshot taken at the same moment: tasks, states, pods, stacks, node facts', async () => {
    const pod = createPodCgroup();
    const { parentPid, zombiePids } = await spawnZombies(2, pod);
    const stopped = await spawnStopped(pod);
    await new Promise((r) => setTimeout(r, 300));
    const before = uptimeTicks() - 20;
    const { mine, theirs } = await both();
    // Long-lived tasks: started before this test's last processes; both scans ran while they lived.
    const longLived = (s: SnapshotResponse) => new Map((s.tasks ?? []).filter((t) => n(t.start_time_ticks) < before).map((t) => [n(t.tid), t]));
    const a = longLived(mine);
    const b = longLived(theirs);
    expect(a.size).toBeGreaterThan(20);
    // A task only one side saw must have exited meanwhile.
    const onlyOne = [...a.values()].filter((t) => !b.has(n(t.tid))).concat([...b.values()].filter((t) => !a.has(n(t.tid))));
    expect(onlyOne.filter(alive).map((t) => `${t.tid} ${t.comm}`)).toEqual([]);
    const common = [...a.keys()].filter((tid) => b.has(tid));
    expect(common.length).toBeGreaterThan(a.size * 0.9);
    // (sshd's listener retitles itself with its connection count: not comparable.)
    const facts = (t: Task) => ({ ...identity(t), cmdline: n(t.tgid) === server.pid ? '' : (t.cmdline ?? '') });
    // Tasks that exited meanwhile may be half-read by either side.
    const lasting = common.filter((tid) => alive(a.get(tid) as Task));
    expect(lasting.length).toBeGreaterThan(common.length * 0.9);
    for (const tid of lasting) expect({ tid, ...facts(a.get(tid) as Task) }).toEqual({ tid, ...facts(b.get(tid) as Task) });
    // States: the stuck ones exactly; running/sleeping tasks may flip between the two reads.
    const stuck = new Set(['D', 'Z', 'T', 't', 'X']);
    for (const tid of lasting) {
      const [x, y] = [a.get(tid) as Task, b.get(tid) as Task];
      if (stuck.has(x.state ?? '') || stuck.has(y.state ?? '')) expect(`${tid} ${x.comm} ${x.state}`).toBe(`${tid} ${y.comm} ${y.state}`);
    }
    const same = lasting.filter((tid) => a.get(tid)?.state === b.get(tid)?.state).length;
    expect(same / lasting.length).toBeGreaterThan(0.9);
    // Stacks read for the same tasks, with the same frames.
    const frames = (t?: Task) => (t?.stack_read ? (t.stack ?? []).map((f) => f.function).join('<') : 'not read');
    for (const tid of lasting.filter((t) => ['Z', 'T'].includes(a.get(t)?.state ?? ''))) expect(frames(a.get(tid))).toBe(frames(b.get(tid)));
    const mineTask = (pid: number) => (mine.tasks ?? []).find((t) => n(t.tid) === pid);
    expect(mineTask(parentPid)).toMatchObject({ pod_uid: pod.podUid, stack_read: true });
    expect(mineTask(stopped)).toMatchObject({ state: 'T', pod_uid: pod.podUid, container_id: pod.containerId, stack_read: true });
    for (const z of zombiePids) expect(mineTask(z)).toMatchObject({ state: 'Z', pod_uid: pod.podUid, pod_attribution: 'parent' });
    // Pods and node facts (of lasting tasks: other test runs on this machine make and remove pods and FUSE mounts).
    const lastingPods = new Set(lasting.map((tid) => a.get(tid)?.pod_uid).filter(Boolean));
    const pods = (s: SnapshotResponse) =>
      (s.pods ?? [])
        .filter((p) => lastingPods.has(p.pod_uid))
        .map((p) => `${p.pod_uid} ${p.qos_class} ${(p.container_ids ?? []).join(',')}`)
        .sort();
    expect(pods(mine)).toEqual(pods(theirs));
    expect(pods(mine)).toContain(`${pod.podUid} burstable ${pod.containerId}`);
    const node = (s: SnapshotResponse) => ({
      hostname: s.node?.hostname,
      release: s.node?.kernel_release,
      version: s.node?.kernel_version,
      boot: n(s.node?.boot_time_unix),
      cpus: s.node?.cpu_count,
      cgroups: s.node?.cgroup_version,
      hz: s.node?.clock_ticks_per_second,
      sysctls: s.node?.sysctls,
      mounts: (s.node?.mounts ?? [])
        .filter((m) => !m.mount_point?.startsWith(tmpdir()))
        .map((m) => `${m.mount_point} ${m.fs_type} ${m.interest} ${m.backing}`)
        .sort(),
      freezers: (s.node?.freezers ?? [])
        .filter((f) => lastingPods.has(f.pod_uid))
        .map((f) => `${f.cgroup_path} ${f.pod_uid} ${f.state}`)
        .sort(),
      pressureKinds: (s.node?.pressure ?? []).map((p) => `${p.resource} ${p.kind}`),
    });
    expect(node(mine)).toEqual(node(theirs));
    expect(n(mine.node?.cpu?.interval_ms)).toBeGreaterThanOrEqual(40);
    // The same kernel log (the SSH read ends later, so it may have more at the end).
    const seqs = (s: SnapshotResponse) => (s.kmsg ?? []).map((k) => `${k.seq} ${k.text}`);
    expect(seqs(mine).slice(0, seqs(theirs).length)).toEqual(seqs(theirs));
    expect(n(mine.kmsg_next_seq)).toBeGreaterThanOrEqual(n(theirs.kmsg_next_seq));
    // What neither could read, for the same long-lived tasks.
    // (Stacks of a zombie's parent are read only while the zombie exists: init's orphans come and go.)
    const steady = new Set(lasting.filter((tid) => stuck.has(a.get(tid)?.state ?? '') && a.get(tid)?.state === b.get(tid)?.state));
    const problems = (s: SnapshotResponse) =>
      (s.read_problems ?? [])
        .filter((p) => !p.pid || (a.has(n(p.tid)) && (!p.path?.endsWith('/stack') || steady.has(n(p.tid)))))
        .map((p) => `${p.path} ${p.reason}`)
        .sort();
    expect(problems(mine)).toEqual(problems(theirs));
    expect(mine.collector_version).toMatch(/\(ssh\)$/);
  });

  itPods('a zombie pod is diagnosed the same through SSH and in-process: same findings, tasks, verdicts', async () => {
    const pod = createPodCgroup();
    const { parentPid, zombiePids } = await spawnZombies(3, pod);
    const { mine, theirs } = await both();
    const view = (s: SnapshotResponse) => {
      const ev = evidenceFromSnapshot(s);
      const scoped = scopeDiagnosis(ev, diagnose(ev), { podUid: pod.podUid });
      if (scoped.status !== 'ok') throw new Error(scoped.message);
      return {
        summary: scoped.diagnosis.summary,
        findings: scoped.diagnosis.findings.map((f) => ({
          id: f.id,
          kind: f.kind,
          severity: f.severity,
          tasks: f.tasks.map((t) => `${t.pid} ${t.role}`).sort(),
          remediations: f.remediations.map((r) => `${r.action} ${r.pid ?? ''} ${r.signal ?? ''} ${r.effective}`),
        })),
      };
    };
    const viaSsh = view(mine);
    expect(viaSsh).toEqual(view(theirs));
    const zombie = viaSsh.findings.find((f) => f.id === 'zombie');
    expect(zombie).toMatchObject({ kind: 'parent-not-reaping' });
    expect(zombie?.tasks).toEqual(expect.arrayContaining([`${parentPid} parent`, ...zombiePids.map((z) => expect.stringMatching(new RegExp(`^${z} `)))]));
    expect(zombie?.remediations).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`${parentPid} SIGTERM yes`))]));
  });

  it('scoped requests: one pid, a pod, problems only, no kernel log', async () => {
    const r = await sshSnapshot(targetFor(server), { scope: 'pids', pids: { pids: [process.pid] }, skip_kmsg: true });
    if (r.status !== 'ok') throw new Error(r.message);
    expect(new Set((r.value.tasks ?? []).map((t) => n(t.tgid)))).toEqual(new Set([process.pid]));
    expect((r.value.tasks ?? []).every((t) => t.detail === 2)).toBe(true);
    expect(r.value.kmsg).toEqual([]);
    const p = await sshSnapshot(targetFor(server), { problems_only: true });
    if (p.status !== 'ok') throw new Error(p.message);
    expect((p.value.tasks ?? []).length).toBeLessThan(50);
    expect((p.value.kmsg ?? []).every((k) => n(k.level) <= 4)).toBe(true);
  });

  it('through a jump host (the same sshd forwarding to itself), with every hop checked', async () => {
    const r = await sshSnapshot(targetFor(server, { jump: { address: { username: 'root', host: '127.0.0.1', port: server.port } } }), { skip_kmsg: true });
    if (r.status !== 'ok') throw new Error(r.message);
    expect((r.value.tasks ?? []).some((t) => n(t.tid) === process.pid)).toBe(true);
  });

  describe('host keys are checked strictly', () => {
    const other = () =>
      readFileSync(`${server.newKey(`other-${Math.random().toString(36).slice(2)}`)}.pub`, 'utf8')
        .split(/\s+/)
        .slice(0, 2)
        .join(' ');

    it('a changed host key is refused, with the fingerprint and how to replace the entry', async () => {
      const r = await sshSnapshot(targetFor(server, { knownHostsText: `[127.0.0.1]:${server.port} ${other()}\n` }));
      expect(r).toMatchObject({ status: 'rejected', code: 'HOST_KEY_CHANGED', fingerprint: server.hostFingerprint });
      const msg = (r as { message: string }).message;
      expect(msg).toContain(`has CHANGED: it presents ssh-ed25519 ${server.hostFingerprint}`);
      expect(msg).toContain(`ssh-keygen -R '[127.0.0.1]:${server.port}' -f test known_hosts`);
      expect(msg).toContain(server.knownHostsLine);
    });

    it('an unknown host key is refused, with the fingerprint, the known_hosts line and the ssh-keyscan command', async () => {
      const r = await sshSnapshot(targetFor(server, { knownHostsText: `other.example.com ${other()}\n[127.0.0.1]:1 ${other()}\n` }));
      expect(r).toMatchObject({ status: 'rejected', code: 'HOST_KEY_UNKNOWN', fingerprint: server.hostFingerprint });
      const msg = (r as { message: string }).message;
      expect(msg).toContain(`is not in test known_hosts: it presents ssh-ed25519 ${server.hostFingerprint}`);
      expect(msg).toContain(`\n  ${server.knownHostsLine}\n`);
      expect(msg).toContain(`ssh-keyscan -p ${server.port} -t ed25519 127.0.0.1`);
      expect(msg).toContain(`--host-key-fingerprint 127.0.0.1=${server.hostFingerprint}`);
    });

    it('a revoked host key is refused even when also listed', async () => {
      const r = await sshSnapshot(targetFor(server, { knownHostsText: `@revoked * ${server.knownHostsLine.split(' ').slice(1).join(' ')}\n${server.knownHostsLine}\n` }));
      expect(r).toMatchObject({ status: 'rejected', code: 'HOST_KEY_REVOKED' });
    });

    it('a pinned fingerprint is trusted; a wrong pin is not', async () => {
      const ok = await sshSnapshot(targetFor(server, { fingerprints: [server.hostFingerprint] }), { skip_kmsg: true, problems_only: true });
      expect(ok.status).toBe('ok');
      const wrong = await sshSnapshot(targetFor(server, { fingerprints: [`SHA256:${'A'.repeat(43)}`] }));
      expect(wrong).toMatchObject({ status: 'rejected', code: 'HOST_KEY_UNKNOWN' });
      expect((wrong as { message: string }).message).toContain(`pin it with --host-key-fingerprint 127.0.0.1=${server.hostFingerprint}`);
    });

    it('a key the server does not authorise: AUTH_FAILED naming authorized_keys, no key material in the message', async () => {
      const keyFile = server.newKey('stranger');
      const r = await sshSnapshot(targetFor(server, { keyFile }));
      expect(r).toMatchObject({ status: 'rejected', code: 'AUTH_FAILED' });
      const msg = (r as { message: string }).message;
      expect(msg).toMatch(/did not accept the ssh-ed25519 key SHA256:\S+ from .*stranger: add its public key .* to ~root\/\.ssh\/authorized_keys/);
      expect(msg).not.toContain(readFileSync(keyFile, 'utf8').split('\n')[1]);
    });
  });

  describe('deadlines and unreachable nodes', () => {
    it('a server that never speaks: CONNECT_TIMEOUT within the connect deadline', async () => {
      const silent = await silentServer();
      try {
        const t0 = Date.now();
        const r = await sshSnapshot(targetFor(server, { port: silent.port, connectTimeoutMs: 500 }));
        expect(r).toMatchObject({ status: 'unreachable', code: 'CONNECT_TIMEOUT' });
        expect(Date.now() - t0).toBeLessThan(3000);
      } finally {
        await silent.close();
      }
    });

    it('nothing listening: UNREACHABLE, connection refused', async () => {
      const silent = await silentServer();
      const port = silent.port;
      await silent.close();
      const r = await sshSnapshot(targetFor(server, { port }));
      expect(r).toMatchObject({ status: 'unreachable', code: 'UNREACHABLE' });
      expect((r as { message: string }).message).toMatch(/connection refused/);
    });

    it('a script past the command deadline: COMMAND_TIMEOUT', async () => {
      const r = await sshSnapshot(targetFor(server, { commandTimeoutMs: 5 }));
      expect(r).toMatchObject({ status: 'rejected', code: 'COMMAND_TIMEOUT' });
      expect((r as { message: string }).message).toMatch(/^the scan script on root@127\.0\.0\.1:\d+ did not finish within 5 ms \(command deadline\)$/);
    });
  });

  describe('nothing typed reaches a shell', () => {
    it('pids and pod UIDs with shell metacharacters are rejected before connecting', async () => {
      const silent = await silentServer();
      try {
        const t = targetFor(server, { port: silent.port, connectTimeoutMs: 300 });
        const bad = [
          { scope: 'pids' as const, pids: { pids: ['1;reboot' as unknown as number] } },
          { scope: 'pids' as const, pids: { pids: [1.5] } },
          { scope: 'pod_uid' as const, pod_uid: 'abc$(reboot)' },
          { stack_states: ['D;id'] },
          { kmsg_since_seq: '1 && reboot' as unknown as number },
        ];
        for (const req of bad) expect(await sshSnapshot(t, req)).toMatchObject({ status: 'rejected', code: 'BAD_REQUEST' });
        expect(silent.connections()).toBe(0);
      } finally {
        await silent.close();
      }
    });

    it('a remote command line takes only fixed words and integers', async () => {
      const s = await openSshSession(targetFor(server));
      if (s.status !== 'ok') throw new Error(s.message);
      try {
        expect(() => s.value.run('exit 0', ['details', '1;reboot'])).toThrow(/only fixed words and decimal integers/);
        expect(() => s.value.run('exit 0', ['$(id)'])).toThrow(/only fixed words/);
        const ok = await s.value.run('echo "$#:$1:$2"', ['scan', 42]);
        expect(ok).toMatchObject({ status: 'ok', value: { code: 0 } });
        expect(ok.status === 'ok' && ok.value.stdout.toString()).toBe('2:scan:42\n');
      } finally {
        s.value.close();
      }
    });
  });
});
