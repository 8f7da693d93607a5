import { createEvidenceBuilder } from '../../../bot/src/evidence/evidence-builder';
import { diagnose } from '../../../bot/src/diagnosis/engine';
import { createCgroupReader } from '../../../bot/src/paste/cgroup-files';
import { createKubeReader } from '../../../bot/src/paste/kube-objects';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { createPerfReader } from '../../../bot/src/paste/perf-reader';
import { statedFacts } from '../../../bot/src/paste/prose-facts';
import { createStraceReader } from '../../../bot/src/paste/strace-reader';
import { createUsageReader } from '../../../bot/src/paste/usage-tables';

const paste = (...lines: string[]): string => lines.join('\n');

describe('strace: a /proc read that never returns', () => {
  it('strace -p: the traced process waits behind the pid whose cmdline it reads', () => {
    const ev = parsePaste(
      paste(
        'root@worker-3:~# strace -p 2201',
        'strace: Process 2201 attached',
        'openat(AT_FDCWD, "/proc/4411/stat", O_RDONLY) = 5',
        'read(5, "4411 (python3) D 1 4411 4411 0 -1 4"..., 1024) = 311',
        'close(5)                                = 0',
        'openat(AT_FDCWD, "/proc/4411/cmdline", O_RDONLY) = 5',
        'read(5, ',
      ),
    );
    expect(ev.blockedReads).toEqual([expect.objectContaining({ readerPid: 2201, targetPid: 4411, path: '/proc/4411/cmdline', syscall: 'read', line: 7 })]);
    expect(ev.tasks.find((t) => t.tid === 4411)?.placeholder).toBe('strace-target');
    expect(ev.tasks.find((t) => t.tid === 2201)).toBeDefined();
    expect(ev.inputs.filter((i) => i.kind === 'unrecognised')).toEqual([]);

    const d = diagnose(ev);
    const f = d.findings.find((x) => x.id === 'proc-read-blocked');
    expect(f).toBeDefined();
    expect(f!.tasks.map((t) => t.pid)).toEqual(expect.arrayContaining([2201, 4411]));
    expect(f!.explanation).toContain('/proc/4411/cmdline');
    // Nothing claims a signal to the target would help.
    for (const g of d.findings) for (const r of g.remediations) if (r.pid === 4411) expect(r.effective).not.toBe('yes');
  });

  it('strace -f of ps interrupted with ^C while reading environ', () => {
    const ev = parsePaste(
      paste(
        '$ sudo strace -f -e trace=openat,read ps aux',
        '[pid 30211] openat(AT_FDCWD, "/proc/918/environ", O_RDONLY) = 7',
        '[pid 30211] read(7, ^Cstrace: Process 30211 detached',
        ' <detached ...>',
      ),
    );
    expect(ev.blockedReads).toEqual([expect.objectContaining({ readerPid: 30211, readerComm: 'ps', targetPid: 918, path: '/proc/918/environ' })]);
  });

  it('an open of /proc/PID/maps that never returns, then the paste goes on with prose', () => {
    const ev = parsePaste(paste('# strace -tt top -b -n1', '10:21:05.118734 openat(AT_FDCWD, "/proc/77120/maps", O_RDONLY', 'and it sits there forever.'));
    expect(ev.blockedReads).toEqual([expect.objectContaining({ readerComm: 'top', targetPid: 77120, syscall: 'openat' })]);
  });

  it('calls that return, or that resume after <unfinished ...>, are not blocked', () => {
    const ev = parsePaste(
      paste(
        '$ strace -f -p 600',
        '[pid   601] openat(AT_FDCWD, "/proc/42/cmdline", O_RDONLY) = 9',
        '[pid   601] read(9,  <unfinished ...>',
        '[pid   602] futex(0x7f3a, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>',
        '[pid   601] <... read resumed>"nginx: worker process", 4096) = 22',
        '[pid   601] close(9)                    = 0',
      ),
    );
    expect(ev.blockedReads).toEqual([]);
  });

  it('strace attached and printed nothing: the task is named, without a state', () => {
    const ev = parsePaste(paste(' sudo strace -p 5120', 'strace: Process 5120 attached', '^C^C^\\'));
    const t = ev.tasks.find((x) => x.tid === 5120);
    expect(t).toBeDefined();
    expect(t!.state).toBeUndefined();
    expect(t!.missing.join(' ')).toMatch(/ptrace stop/);
  });

  it('reads strace lines pasted without the command', () => {
    const b = createEvidenceBuilder('paste');
    const r = createStraceReader(b);
    expect(r.line('openat(AT_FDCWD, "/proc/31337/cmdline", O_RDONLY|O_CLOEXEC) = 4', 1)).toBe('strace');
    expect(r.line('read(4, ', 2)).toBe('strace');
    r.finish();
    expect(b.evidence.blockedReads.map((x) => x.targetPid)).toEqual([31337]);
    // Prose that mentions a call is not strace.
    expect(createStraceReader(b).line('read(2) returns EAGAIN here', 3)).toBeNull();
  });
});

describe('perf', () => {
  it('folded stacks give the hottest kernel stack to the task they name', () => {
    const b = createEvidenceBuilder('paste');
    const r = createPerfReader(b);
    expect(r.line('java-5530/5547;start_thread;entry_SYSCALL_64_after_hwframe;do_syscall_64;__x64_sys_mmap;__mm_populate;handle_mm_fault;try_to_free_mem_cgroup_pages;shrink_node 812')).toBe('perf');
    expect(r.line('java-5530/5547;start_thread;entry_SYSCALL_64_after_hwframe;do_syscall_64;__x64_sys_futex;futex_wait 12')).toBe('perf');
    expect(r.line('kworker/2:1;ret_from_fork;kthread;worker_thread;process_one_work;wb_workfn 40')).toBe('perf');
    r.finish();
    const ev = b.build();
    const java = ev.tasks.find((t) => t.tid === 5547)!;
    expect(java.pid).toBe(5530);
    expect(java.stack!.map((f) => f.fn).slice(0, 3)).toEqual(['shrink_node', 'try_to_free_mem_cgroup_pages', 'handle_mm_fault']);
    expect(java.stack!.map((f) => f.fn)).not.toContain('start_thread');
    expect(ev.tasks.find((t) => t.comm === 'kworker/2:1')!.stack![0].fn).toBe('wb_workfn');
  });

  it('perf report rows with a call graph', () => {
    const ev = parsePaste(
      paste(
        '# perf report --stdio --no-children',
        '# Overhead  Command  Shared Object      Symbol',
        '# ........  .......  .................  ...............................',
        '    61.20%  mysqld   [kernel.kallsyms]  [k] native_queued_spin_lock_slowpath',
        '            |',
        '            ---native_queued_spin_lock_slowpath',
        '               _raw_spin_lock',
        '               shrink_inactive_list',
        '               shrink_node',
        '     3.10%  mysqld   libc-2.31.so       [.] __memmove_avx_unaligned_erms',
      ),
    );
    const t = ev.tasks.find((x) => x.comm === 'mysqld')!;
    expect(t.stack!.map((f) => f.fn)).toEqual(['native_queued_spin_lock_slowpath', '_raw_spin_lock', 'shrink_inactive_list', 'shrink_node']);
    expect(ev.inputs.filter((i) => i.kind === 'unrecognised')).toEqual([]);
  });
});

describe('Kubernetes objects a paste names', () => {
  it('kubectl get pods -A -o wide, with the header', () => {
    const ev = parsePaste(
      paste(
        '$ kubectl get pods -A -o wide',
        'NAMESPACE   NAME                      READY   STATUS        RESTARTS      AGE   IP            NODE          NOMINATED NODE   READINESS GATES',
        'shop        cart-6d8f7c9b5-q2x7k      1/1     Terminating   3 (2d ago)    6d    10.44.3.17    worker-b-12   <none>           <none>',
        'shop        cart-6d8f7c9b5-zz9pl      1/1     Running       0             2h    10.44.1.90    worker-b-03   <none>           <none>',
      ),
    );
    expect(ev.objects).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'pod', name: 'cart-6d8f7c9b5-q2x7k', namespace: 'shop', status: 'Terminating', node: 'worker-b-12' }),
        expect.objectContaining({ kind: 'pod', name: 'cart-6d8f7c9b5-zz9pl', status: 'Running', node: 'worker-b-03' }),
        expect.objectContaining({ kind: 'node', name: 'worker-b-12' }),
      ]),
    );
  });

  it("a grep'd row without header or command", () => {
    const ev = parsePaste('payments   ledger-sync-5f4d9-8kq2m   2/2   Terminating   0   3d   10.12.0.41   ip-10-12-0-7.ec2.internal');
    expect(ev.objects[0]).toEqual(expect.objectContaining({ kind: 'pod', namespace: 'payments', name: 'ledger-sync-5f4d9-8kq2m', status: 'Terminating', node: 'ip-10-12-0-7.ec2.internal' }));
  });

  it('kubectl get nodes', () => {
    const ev = parsePaste(
      paste('NAME            STATUS     ROLES           AGE   VERSION', 'cp-1            Ready      control-plane   40d   v1.29.4', 'gpu-node-4      NotReady   <none>          12d   v1.29.4'),
    );
    expect(ev.objects.find((o) => o.name === 'gpu-node-4')).toEqual(expect.objectContaining({ kind: 'node', status: 'NotReady' }));
  });

  it('kubectl describe pod: name, namespace, node, status and FailedKillPod events', () => {
    const ev = parsePaste(
      paste(
        '$ kubectl describe pod indexer-0 -n search',
        'Name:                      indexer-0',
        'Namespace:                 search',
        'Priority:                  0',
        'Node:                      node-17/10.1.4.17',
        'Start Time:                Tue, 04 Jun 2024 09:12:44 +0000',
        'Status:                    Terminating (lasts 26h)',
        'Termination Grace Period:  30s',
        'Containers:',
        '  indexer:',
        '    State:          Running',
        'Events:',
        '  Type     Reason         Age                  From     Message',
        '  ----     ------         ----                 ----     -------',
        '  Warning  FailedKillPod  3m (x410 over 26h)   kubelet  error killing pod: failed to "KillContainer" for "indexer" with KillContainerError: "rpc error: code = DeadlineExceeded"',
      ),
    );
    expect(ev.objects).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'pod', name: 'indexer-0', namespace: 'search', node: 'node-17', status: 'Terminating' }),
        expect.objectContaining({ kind: 'node', name: 'node-17' }),
      ]),
    );
    // "Name:" and "State:" are not read as a /proc/PID/status of a task.
    expect(ev.tasks).toEqual([]);
  });

  it('events: "Successfully assigned" and `kubectl get events` rows name pods and nodes', () => {
    const ev = parsePaste(
      paste(
        '  Normal   Scheduled     12m   default-scheduler  Successfully assigned batch/etl-28519-abcde to pool-2-node-9',
        '  Warning  NodeNotReady  8m    node-controller    Node is not ready',
        '$ kubectl get events -n batch',
        'LAST SEEN   TYPE      REASON          OBJECT                   MESSAGE',
        '5m          Warning   FailedKillPod   pod/etl-28519-fghij      error killing pod: context deadline exceeded',
      ),
    );
    expect(ev.objects).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'pod', name: 'etl-28519-abcde', namespace: 'batch', node: 'pool-2-node-9' }),
        expect.objectContaining({ kind: 'node', name: 'pool-2-node-9' }),
        expect.objectContaining({ kind: 'pod', name: 'etl-28519-fghij' }),
      ]),
    );
  });

  it('kubelet journal lines: pod="ns/name" and pod UIDs, on the node that logged them', () => {
    const b = createEvidenceBuilder('paste');
    const k = createKubeReader(b);
    k.logLine(
      'kubelet',
      'node-a7',
      'E0611 03:12:09.112233 1201 pod_workers.go:1298] "Error syncing pod, skipping" err="failed to \\"KillPodSandbox\\"" pod="media/transcoder-7c9-xk2" podUID="0d6f2c1e-9b7a-4c55-8d1e-2f3a4b5c6d7e"',
    );
    k.logLine(
      'kubelet',
      'node-a7',
      'E0611 03:14:00.1 1201 nestedpendingoperations.go:348] Operation for "{volumeName:kubernetes.io/secret/x podName:9a8b7c6d-1e2f-4a3b-8c7d-6e5f4a3b2c1d}" failed. (UID: \\"9a8b7c6d-1e2f-4a3b-8c7d-6e5f4a3b2c1d\\")',
    );
    expect(b.evidence.objects).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'node', name: 'node-a7' }),
        expect.objectContaining({ kind: 'pod', name: 'transcoder-7c9-xk2', namespace: 'media', node: 'node-a7' }),
        expect.objectContaining({ kind: 'pod', name: '9a8b7c6d-1e2f-4a3b-8c7d-6e5f4a3b2c1d' }),
      ]),
    );
  });

  it('docker ps names of Kubernetes containers name their pod', () => {
    const ev = parsePaste(
      paste('$ docker ps | grep report', '9f1e2d3c4b5a   3c1b8c1d2e3f   "/bin/report"   2 days ago   Up 2 days   k8s_report_report-gen-0_analytics_5b0c3e1a-7f2d-4e9b-9c1a-0d2e3f4a5b6c_1'),
    );
    expect(ev.objects).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'pod', name: 'report-gen-0', namespace: 'analytics' })]));
  });

  it('findings name the Terminating pod and its node', () => {
    const d = diagnose(
      parsePaste(
        paste(
          '$ kubectl get pod -o wide | grep Term',
          'ingest-worker-7b9c5-h2k9p   1/1   Terminating   0   4d   10.8.2.33   node-31   <none>   <none>',
          '[812733.101002] INFO: task ingest:8817 blocked for more than 122 seconds.',
          '[812733.101010]       Not tainted 5.15.0-105-generic #115-Ubuntu',
          '[812733.101015] task:ingest          state:D stack:0     pid:8817  ppid:8790   flags:0x00004002',
          '[812733.101020] Call Trace:',
          '[812733.101022]  <TASK>',
          '[812733.101025]  __schedule+0x2cd/0x890',
          '[812733.101027]  schedule+0x69/0x110',
          '[812733.101030]  rpc_wait_bit_killable+0x11/0x70 [sunrpc]',
          '[812733.101033]  __wait_on_bit+0x31/0xa0',
          '[812733.101036]  out_of_line_wait_on_bit+0x92/0xb0',
          '[812733.101040]  nfs4_proc_close+0x2a/0x40 [nfsv4]',
        ),
      ),
    );
    expect(d.findings.length).toBeGreaterThan(0);
    expect(d.findings[0].evidence).toContain('pod ingest-worker-7b9c5-h2k9p on node node-31 (Terminating)');
  });
});

describe('docker stats and kubectl top', () => {
  it('usage is kept on the container, pod or node', () => {
    const b = createEvidenceBuilder('paste');
    const u = createUsageReader(b);
    expect(u.line('CONTAINER ID   NAME                                  CPU %     MEM USAGE / LIMIT     MEM %     NET I/O   BLOCK I/O        PIDS')).toBe('docker');
    expect(u.line('a81c7e2f90d4   k8s_api_api-5d7f-9xk2_web_6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d_0   38.21%    255.8MiB / 256MiB     99.92%    0B / 0B   1.93GB / 0B      41')).toBe('docker');
    u.command('kubectl', 'top node');
    expect(u.line('NAME      CPU(cores)   CPU%   MEMORY(bytes)   MEMORY%')).toBe('kubectl');
    expect(u.line('node-31   3890m        97%    61022Mi         95%')).toBe('kubectl');
    u.command('kubectl', 'top pod -A');
    expect(u.line('web         api-5d7f-9xk2       1021m        254Mi')).toBe('kubectl');
    const o = b.evidence.objects;
    expect(o.find((x) => x.kind === 'container')!.usage).toBe('cpu 38.21%, memory 255.8MiB / 256MiB (99.92%)');
    expect(o.find((x) => x.kind === 'node')).toEqual(expect.objectContaining({ name: 'node-31', usage: 'cpu 3890m (97%), memory 61022Mi (95%)' }));
    expect(o.find((x) => x.kind === 'pod')).toEqual(expect.objectContaining({ name: 'api-5d7f-9xk2', namespace: 'web', usage: 'cpu 1021m, memory 254Mi' }));
  });
});

describe('cgroup files', () => {
  it('memory.events after cat: OOM kills of a pod cgroup', () => {
    const ev = parsePaste(
      paste(
        '# cat /sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1c2d3e4f_5a6b_4c7d_8e9f_0a1b2c3d4e5f.slice/memory.events',
        'low 0',
        'high 0',
        'max 48211',
        'oom 17',
        'oom_kill 17',
        'oom_group_kill 0',
      ),
    );
    expect(ev.node.memcgOom).toEqual([expect.objectContaining({ oomKills: 17, podUid: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f' })]);
    expect(ev.inputs.filter((i) => i.kind === 'unrecognised')).toEqual([]);
  });

  it('bare memory.events at its limit without OOM kills: a memcg under pressure', () => {
    const ev = parsePaste(paste('low 0', 'high 0', 'max 902113', 'oom 0', 'oom_kill 0'));
    expect(ev.node.memcgOom).toEqual([]);
    expect(ev.node.memcgPressure).toEqual([expect.objectContaining({ maxEvents: 902113, path: '(path not pasted)' })]);
  });

  it('grep . over several files: limit against usage', () => {
    const ev = parsePaste(
      paste(
        '$ grep . /sys/fs/cgroup/system.slice/app.service/memory.{max,current}',
        '/sys/fs/cgroup/system.slice/app.service/memory.max:268435456',
        '/sys/fs/cgroup/system.slice/app.service/memory.current:268304384',
      ),
    );
    expect(ev.node.memcgPressure).toEqual([expect.objectContaining({ path: '/sys/fs/cgroup/system.slice/app.service', limitBytes: 268435456, usageBytes: 268304384 })]);
  });

  it('v1 memory.oom_control under OOM, and memory.stat against its own limit', () => {
    const b = createEvidenceBuilder('paste');
    const c = createCgroupReader(b);
    c.command('/sys/fs/cgroup/memory/docker/ab12/memory.oom_control');
    for (const l of ['oom_kill_disable 1', 'under_oom 1', 'oom_kill 0']) expect(c.line(l, 1)).toBe('cgroup');
    c.command('/sys/fs/cgroup/memory/docker/cd34/memory.stat');
    for (const l of ['cache 118784', 'rss 267800576', 'hierarchical_memory_limit 268435456', 'total_cache 118784', 'total_rss 267800576']) expect(c.line(l, 2)).toBe('cgroup');
    c.finish();
    expect(b.evidence.node.memcgOom).toEqual([expect.objectContaining({ path: '/sys/fs/cgroup/memory/docker/ab12', underOom: true })]);
    expect(b.evidence.node.memcgPressure).toEqual([expect.objectContaining({ path: '/sys/fs/cgroup/memory/docker/cd34', limitBytes: 268435456 })]);
  });

  it('freezer.state with a path prefix', () => {
    const ev = parsePaste('/sys/fs/cgroup/freezer/kubepods/besteffort/pod0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/freezer.state:FROZEN');
    expect(ev.node.freezers).toEqual([expect.objectContaining({ state: 'FROZEN', version: 1, podUid: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' })]);
  });
});

describe('no pattern is super-linear on long lines', () => {
  const K = 64 * 1024;
  const lines = [
    ' '.repeat(K),
    '>'.repeat(K),
    '9'.repeat(K),
    `load ${' '.repeat(K - 10)}x`,
    `kill -9 ${' '.repeat(K - 10)}`,
    'k8s_'.repeat(K / 4),
    `${'a;'.repeat(K / 2 - 2)} 1`,
    `stuck ${'in '.repeat(K / 3 - 3)}`,
    '`'.repeat(K),
    '('.repeat(K),
    `read(${'"'.repeat(K - 6)}`,
    `/sys/fs/cgroup/${'a/'.repeat(K / 2 - 10)}`,
    `a ${'1/1 '.repeat(K / 4 - 2)}`,
    `Warning ${'Aa '.repeat(K / 3 - 4)}`,
    `${'| '.repeat(K / 2)}`,
    `${'%'.repeat(K / 2)} / ${'%'.repeat(K / 2 - 4)}`,
  ];
  it.each(lines.map((l, i) => [i, l] as const))('line %i: every reader in under 50 ms', (_i, line) => {
    const b = createEvidenceBuilder('paste');
    const readers: Array<(l: string) => unknown> = [
      (l) => {
        const r = createStraceReader(b);
        r.line(l, 1);
        r.finish();
      },
      (l) => {
        const r = createStraceReader(b);
        r.command('strace', '-p 1');
        r.line(l, 1);
        r.finish();
      },
      (l) => {
        const r = createPerfReader(b);
        r.line(l);
        r.command('perf', 'report');
        r.line(l);
        r.finish();
      },
      (l) => {
        const r = createKubeReader(b);
        r.line(l);
        r.command('kubectl', 'get pods -A');
        r.line(l);
        r.logLine('kubelet', 'n', l);
        r.end();
      },
      (l) => {
        const r = createUsageReader(b);
        r.line(l);
        r.command('kubectl', 'top pod');
        r.line(l);
      },
      (l) => {
        const r = createCgroupReader(b);
        r.line(l, 1);
        r.bare(l, 1);
        r.command('/sys/fs/cgroup/x/memory.stat');
        r.line(l, 1);
        r.finish();
      },
      (l) => statedFacts(l, 1, { lastCommand: 'ps' }),
    ];
    for (const [i, read] of readers.entries()) {
      // The best of three runs: a garbage collection is not the pattern's cost.
      let best = Infinity;
      for (let run = 0; run < 3; run++) {
        const t0 = performance.now();
        read(line);
        best = Math.min(best, performance.now() - t0);
      }
      expect([i, best < 50]).toEqual([i, true]);
    }
  });
});
