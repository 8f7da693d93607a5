import type { Evidence, KernelReport } from '../../../bot/src/evidence/evidence';
import { createEvidenceBuilder } from '../../../bot/src/evidence/evidence-builder';
import { createKernelLogReader, READER_PATTERNS } from '../../../bot/src/paste/kernel-log-reader';
import { CONTINUE_PATTERNS } from '../../../bot/src/paste/kernel-report-continue';
import { parseLogPrefix } from '../../../bot/src/paste/kernel-log-prefix';
import { BODY_PATTERNS, currentTask, isBodyLine, kernelRip, reportFrame } from '../../../bot/src/paste/kernel-report-body';
import { STALL_PATTERNS } from '../../../bot/src/paste/rcu-stall-lines';
import { parseTaskDumpLine } from '../../../bot/src/paste/task-dump-line';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { BACKEND_PATTERNS, classifyBackendLine } from '../../../collector/src/kmsg/backend-patterns';
import * as headlines from '../../../collector/src/kmsg/report-patterns';
import { createKmsgClassifier } from '../../../collector/src/watch/classify-kmsg';

/** Kernel log text through the reader the way a paste reaches it: prefixed lines by their message, others as they are. */
function read(text: string): Evidence {
  const b = createEvidenceBuilder('paste');
  const k = createKernelLogReader(b);
  for (const line of text.split('\n')) {
    const log = parseLogPrefix(line);
    if (log) k.message(log.text, log.time);
    else k.message(line, '');
  }
  k.finish();
  return b.build();
}

const lines = (...l: string[]): string => l.join('\n');
const only = (ev: Evidence, kind: KernelReport['kind']): KernelReport[] => ev.reports.filter((r) => r.kind === kind);
const fns = (r: { frames?: { fn: string }[]; stack?: { fn: string }[] } | undefined): string[] =>
  (r && 'frames' in r && r.frames ? r.frames : ((r as { stack?: { fn: string }[] })?.stack ?? [])).map((f) => f.fn);

describe('hung tasks and their blockers', () => {
  const mutexHang = lines(
    '[ 7322.118020] INFO: task kworker/u64:3:40211 blocked for more than 245 seconds.',
    '[ 7322.118031]       Not tainted 6.16.3-200.fc42.x86_64 #1',
    '[ 7322.118035] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
    '[ 7322.118038] task:kworker/u64:3   state:D stack:0     pid:40211 tgid:40211 ppid:2      task_flags:0x4208060 flags:0x00004000',
    '[ 7322.118046] Workqueue: events_unbound linkwatch_event',
    '[ 7322.118049] Call Trace:',
    '[ 7322.118051]  <TASK>',
    '[ 7322.118055]  __schedule+0x3c1/0x1550',
    '[ 7322.118062]  schedule+0x27/0xf0',
    '[ 7322.118065]  schedule_preempt_disabled+0x15/0x30',
    '[ 7322.118068]  __mutex_lock.constprop.0+0x3b5/0x8f0',
    '[ 7322.118075]  linkwatch_event+0x12/0x40',
    '[ 7322.118080]  process_one_work+0x18f/0x3b0',
    '[ 7322.118085]  </TASK>',
    '[ 7322.118088] INFO: task kworker/u64:3:40211 is blocked on a mutex likely owned by task ip:51873.',
    '[ 7322.118092] task:ip              state:S stack:0     pid:51873 tgid:51873 ppid:51870  task_flags:0x400100 flags:0x00000002',
    '[ 7322.118099] Call Trace:',
    '[ 7322.118100]  <TASK>',
    '[ 7322.118102]  __schedule+0x3c1/0x1550',
    '[ 7322.118106]  schedule+0x27/0xf0',
    '[ 7322.118109]  schedule_timeout+0x9e/0x160',
    '[ 7322.118113]  rtnl_dumpit+0x4a/0x90',
    '[ 7322.118117]  </TASK>',
  );

  it('names the mutex owner, keeps the hung task in D with its stack, and reads the owner from its own dump', () => {
    const ev = read(mutexHang);
    const hung = only(ev, 'hung-task');
    expect(hung).toHaveLength(1);
    expect(hung[0]).toMatchObject({ pid: 40211, comm: 'kworker/u64:3', seconds: 245, blocker: { pid: 51873, comm: 'ip', lock: 'mutex' } });
    expect(hung[0].workqueue).toBe('events_unbound linkwatch_event');
    const waiter = ev.tasks.find((t) => t.tid === 40211);
    expect(waiter).toMatchObject({ state: 'D', comm: 'kworker/u64:3' });
    expect(fns(waiter)).toContain('__mutex_lock.constprop.0');
    const owner = ev.tasks.find((t) => t.tid === 51873);
    expect(owner).toMatchObject({ comm: 'ip', state: 'S', ppid: 51870 });
    expect(owner?.placeholder).toBeUndefined();
    expect(fns(owner)).toContain('rtnl_dumpit');
  });

  it('an owner named but not dumped (it is hung too) is a lock-owner placeholder', () => {
    const ev = read(
      lines(
        'Aug 02 11:04:51 db-7 kernel: INFO: task postgres:9120 blocked for more than 122 seconds.',
        'Aug 02 11:04:51 db-7 kernel: task:postgres        state:D stack:0     pid:9120  tgid:9120  ppid:9001   flags:0x00000002',
        'Aug 02 11:04:51 db-7 kernel: Call Trace:',
        'Aug 02 11:04:51 db-7 kernel:  <TASK>',
        'Aug 02 11:04:51 db-7 kernel:  rwsem_down_write_slowpath+0x28e/0x520',
        'Aug 02 11:04:51 db-7 kernel:  </TASK>',
        'Aug 02 11:04:51 db-7 kernel: INFO: task postgres:9120 <writer> blocked on an rw-semaphore likely owned by task pg_dump:9333 <reader>',
      ),
    );
    expect(only(ev, 'hung-task')[0].blocker).toEqual({ pid: 9333, comm: 'pg_dump', lock: 'rw-semaphore (held by a reader)' });
    expect(ev.tasks.find((t) => t.tid === 9333)).toMatchObject({ comm: 'pg_dump', placeholder: 'lock-owner' });
  });

  it('the semaphore variant, and a blocker line whose report was not pasted', () => {
    const ev = read('[  88.1] INFO: task systemd-udevd:412 blocked on a semaphore likely last held by task modprobe:433');
    const r = only(ev, 'hung-task')[0];
    expect(r).toMatchObject({ pid: 412, comm: 'systemd-udevd', partial: true, blocker: { pid: 433, comm: 'modprobe', lock: 'semaphore' } });
    expect(ev.tasks.find((t) => t.tid === 412)?.state).toBe('D');
  });

  it('a headline whose pid was redacted or whose sentence was cut is still a hung task, partial', () => {
    const r = only(read('INFO: task sysbox-fs:<pid> blocked'), 'hung-task')[0];
    expect(r).toMatchObject({ comm: 'sysbox-fs', partial: true });
    expect(r.pid).toBeUndefined();
    expect(only(read('[ 12.0] INFO: task tar:8812 blocked for more than'), 'hung-task')[0]).toMatchObject({ pid: 8812, partial: true });
  });

  it('an old-style task line with its log prefix is a task dump even when the headline before it was cut', () => {
    const ev = read(
      lines(
        '[52010.330911] rsync           D    0 48213  48190 0x00000000',
        '[52010.330916] Call Trace:',
        '[52010.330925]  io_schedule+0x16/0x40',
        '[52010.330931]  nfs_page_group_lock_wait+0x2a/0x40 [nfs]',
      ),
    );
    expect(ev.tasks.find((t) => t.tid === 48213)).toMatchObject({ comm: 'rsync', state: 'D', ppid: 48190 });
    expect(fns(ev.tasks.find((t) => t.tid === 48213))).toContain('nfs_page_group_lock_wait');
    // Without a prefix and with no hung-task or sysrq header before it, only the kernel's eight-digit flags make it a task line.
    expect(read('rsync           D    0 48213  48190 0x00000000').tasks.map((t) => t.tid)).toEqual([48213]);
    expect(read('rsync           D    0 48213  48190 0x0').tasks).toEqual([]);
  });

  it('an owner comm with a colon and digits is read whole', () => {
    const ev = read('[ 9.9] INFO: task cat:77 is blocked on a mutex likely owned by task kworker/u16:3:1234.');
    expect(only(ev, 'hung-task')[0].blocker).toMatchObject({ pid: 1234, comm: 'kworker/u16:3' });
  });

  it('a 3.x report stays open across its raw stack words and the old task line', () => {
    const ev = read(
      lines(
        'Mar  3 02:11:40 web-3 kernel: INFO: task httpd:15002 blocked for more than 120 seconds.',
        'Mar  3 02:11:40 web-3 kernel: "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
        'Mar  3 02:11:40 web-3 kernel: httpd           D ffff88043fc33680     0 15002  14990 0x00000080',
        'Mar  3 02:11:40 web-3 kernel: ffff8803e3d0bd58 0000000000000086 ffff8803e3d0bfd8 0000000000013680',
        'Mar  3 02:11:40 web-3 kernel: ffff8803e3d0bfd8 0000000000013680 ffff88042f5e2220 ffff880420c68000',
        'Mar  3 02:11:40 web-3 kernel: Call Trace:',
        'Mar  3 02:11:40 web-3 kernel: [<ffffffff8163a909>] schedule+0x29/0x70',
        'Mar  3 02:11:40 web-3 kernel: [<ffffffffa04c2d35>] rpc_wait_bit_killable+0x35/0x80 [sunrpc]',
        'Mar  3 02:11:40 web-3 kernel: [<ffffffff811f7c43>] SyS_stat+0x13/0x20',
      ),
    );
    const r = only(ev, 'hung-task')[0];
    expect(fns(r)).toEqual(['schedule', 'rpc_wait_bit_killable', 'SyS_stat']);
    expect(ev.tasks.find((t) => t.tid === 15002)).toMatchObject({ comm: 'httpd', state: 'D', ppid: 14990 });
  });
});

describe('traces pasted without their prefix', () => {
  it('keep their rsyslog tab escapes readable', () => {
    const ev = read(
      lines(
        'rcu: INFO: rcu_preempt self-detected stall on CPU',
        'rcu: #0117-....: (20999 ticks this GP) idle=2f6/1/0x4000000000000000 softirq=81/81 fqs=9011',
        '#011(t=21000 jiffies g=77121 q=1811 ncpus=16)',
        'CPU: 7 PID: 311 Comm: kcompactd0 Not tainted 5.14.0-427.el9.x86_64 #1',
        'RIP: 0010:isolate_migratepages_block+0x3c4/0xf50',
      ),
    );
    expect(only(ev, 'rcu-stall')[0]).toMatchObject({ cpu: 7, pid: 311, comm: 'kcompactd0', rip: 'isolate_migratepages_block' });
  });

  it('attach to the timestamped headline before them', () => {
    const ev = read(
      lines(
        '[ 4431.207716] INFO: task containerd-shim:2817 blocked for more than 120 seconds.',
        'Call Trace:',
        ' <TASK>',
        ' __schedule+0x2f3/0x780',
        ' schedule+0x46/0xb0',
        ' [<ffffffffc0a1b2c3>] fuse_wait_aborted+0x8e/0xd0 [fuse]',
        ' </TASK>',
      ),
    );
    expect(fns(only(ev, 'hung-task')[0])).toEqual(['__schedule', 'schedule', 'fuse_wait_aborted']);
  });

  it('through the paste reader too', () => {
    const ev = parsePaste(
      lines('[ 4431.207716] INFO: task containerd-shim:2817 blocked for more than 120 seconds.', 'Call Trace:', ' __schedule+0x2f3/0x780', ' request_wait_answer+0x133/0x210 [fuse]'),
    );
    expect(ev.tasks.find((t) => t.tid === 2817)?.stack?.map((f) => f.fn)).toEqual(['__schedule', 'request_wait_answer']);
  });

  it('continues() takes a body line of the open report and nothing else', () => {
    const b = createEvidenceBuilder('paste');
    const k = createKernelLogReader(b);
    expect(k.continues(' schedule+0x46/0xb0')).toBe(false);
    k.message('INFO: task tar:9 blocked for more than 120 seconds.', '10.0');
    expect(k.continues(' [<ffffffff8163a909>] schedule+0x29/0x70')).toBe(true);
    expect(k.continues('RAX: 0000000000000000 RBX: ffff8803e3d0bd58 RCX: 0000000000000000')).toBe(true);
    expect(k.continues('  PID  PPID STAT COMMAND')).toBe(false);
    k.finish();
    expect(fns(b.build().reports[0])).toEqual(['schedule']);
  });
});

describe('BUG / Oops / GPF family', () => {
  it('an x86 NULL dereference is one report: task, RIP, trace, and the panic that ended it', () => {
    const ev = read(
      lines(
        '[ 1902.331457] BUG: kernel NULL pointer dereference, address: 0000000000000040',
        '[ 1902.331471] #PF: supervisor read access in kernel mode',
        '[ 1902.331475] #PF: error_code(0x0000) - not-present page',
        '[ 1902.331479] PGD 0 P4D 0 ',
        '[ 1902.331484] Oops: 0000 [#1] PREEMPT SMP NOPTI',
        '[ 1902.331489] CPU: 5 PID: 88312 Comm: kube-proxy Tainted: G           OE      5.15.0-105-generic #115-Ubuntu',
        '[ 1902.331497] Hardware name: Supermicro SYS-1029P-WTR/X11DDW-L, BIOS 3.4 09/22/2020',
        '[ 1902.331500] RIP: 0010:nf_ct_delete+0x2a/0x1d0 [nf_conntrack]',
        '[ 1902.331531] Code: 41 57 41 56 41 55 41 54 55 48 89 fd 53 48 83 ec 08 <48> 8b 47 40 a8 08',
        '[ 1902.331536] RSP: 0018:ffffb8c1c7c97c28 EFLAGS: 00010246',
        '[ 1902.331541] RAX: 0000000000000000 RBX: ffff9f0e2a5b3c00 RCX: 0000000000000000',
        '[ 1902.331553] FS:  00007f3a16ffd640(0000) GS:ffff9f2c7f740000(0000) knlGS:0000000000000000',
        '[ 1902.331557] CS:  0010 DS: 0000 ES: 0000 CR0: 0000000080050033',
        '[ 1902.331561] PKRU: 55555554',
        '[ 1902.331563] Call Trace:',
        '[ 1902.331566]  <TASK>',
        '[ 1902.331570]  ? show_regs.part.0+0x23/0x29',
        '[ 1902.331578]  ? __die_body.cold+0x8/0xd',
        '[ 1902.331601]  ctnetlink_del_conntrack+0x1b5/0x2f0 [nf_conntrack_netlink]',
        '[ 1902.331618]  nfnetlink_rcv_msg+0x161/0x290 [nfnetlink]',
        '[ 1902.331640]  </TASK>',
        '[ 1902.331642] Modules linked in: xt_nat nf_conntrack_netlink nfnetlink xt_conntrack',
        '[ 1902.331690]  veth bridge stp llc overlay',
        '[ 1902.331712] CR2: 0000000000000040',
        '[ 1902.331716] ---[ end trace 6d1e0f3a2b4c5d7e ]---',
        '[ 1902.448120] RIP: 0010:nf_ct_delete+0x2a/0x1d0 [nf_conntrack]',
        '[ 1902.448153] note: kube-proxy[88312] exited with irqs disabled',
        '[ 1902.448170] Kernel panic - not syncing: Fatal exception',
        '[ 1902.448301] Kernel Offset: 0x1e600000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)',
      ),
    );
    expect(ev.reports).toHaveLength(1);
    expect(ev.reports[0]).toMatchObject({
      kind: 'kernel-bug',
      headline: 'BUG: kernel NULL pointer dereference, address: 0000000000000040',
      pid: 88312,
      comm: 'kube-proxy',
      cpu: 5,
      rip: 'nf_ct_delete',
      panicReason: 'Fatal exception',
      kernelRelease: '5.15.0-105-generic',
    });
    expect(fns(ev.reports[0])).toContain('ctnetlink_del_conntrack');
    expect(ev.tasks.find((t) => t.tid === 88312)).toMatchObject({ comm: 'kube-proxy', placeholder: 'oops-task' });
  });

  it('kernel BUG at ... with its invalid opcode line is one report', () => {
    const ev = read(
      lines(
        '[  612.004100] ------------[ cut here ]------------',
        '[  612.004102] kernel BUG at fs/inode.c:1801!',
        '[  612.004120] invalid opcode: 0000 [#1] SMP PTI',
        '[  612.004125] CPU: 2 PID: 3121 Comm: umount Not tainted 4.19.0-21-amd64 #1 Debian 4.19.249-2',
        '[  612.004140] RIP: 0010:iput+0x1e4/0x200',
        '[  612.004170] Call Trace:',
        '[  612.004175]  dentry_unlink_inode+0xb6/0x100',
        '[  612.004180]  __dentry_kill+0xe0/0x180',
      ),
    );
    expect(ev.reports).toHaveLength(1);
    expect(ev.reports[0]).toMatchObject({ kind: 'kernel-bug', headline: 'kernel BUG at fs/inode.c:1801!', pid: 3121, comm: 'umount', rip: 'iput' });
    expect(ev.reports[0].lines).toContain('invalid opcode: 0000 [#1] SMP PTI');
  });

  it('a general protection fault with a comm that has spaces', () => {
    const ev = read(
      lines(
        '[Tue Feb  6 10:12:44 2024] general protection fault, probably for non-canonical address 0xdead000000000122: 0000 [#1] SMP NOPTI',
        '[Tue Feb  6 10:12:44 2024] CPU: 11 PID: 20471 Comm: CPU 3/KVM Kdump: loaded Tainted: G        W         5.14.0-284.11.1.el9_2.x86_64 #1',
        '[Tue Feb  6 10:12:44 2024] RIP: 0010:list_del_entry_valid+0x3c/0xa0',
      ),
    );
    expect(ev.reports[0]).toMatchObject({ kind: 'kernel-bug', pid: 20471, comm: 'CPU 3/KVM', rip: 'list_del_entry_valid' });
  });

  it('arm64: paging request, abort decoding, Internal error, pc/lr, x-registers and Call trace', () => {
    const ev = read(
      lines(
        '[ 7721.441180] Unable to handle kernel paging request at virtual address dead000000000108',
        '[ 7721.441191] Mem abort info:',
        '[ 7721.441194]   ESR = 0x0000000096000044',
        '[ 7721.441199]   EC = 0x25: DABT (current EL), IL = 32 bits',
        '[ 7721.441203]   SET = 0, FnV = 0',
        '[ 7721.441207] Data abort info:',
        '[ 7721.441210]   ISV = 0, ISS = 0x00000044, ISS2 = 0x00000000',
        '[ 7721.441217] [dead000000000108] address between user and kernel address ranges',
        '[ 7721.441224] Internal error: Oops: 0000000096000044 [#1] PREEMPT SMP',
        '[ 7721.441231] Modules linked in: nf_tables nfnetlink overlay',
        '[ 7721.441290] CPU: 3 PID: 1442 Comm: containerd Not tainted 6.1.0-18-arm64 #1  Debian 6.1.76-1',
        '[ 7721.441297] Hardware name: Raspberry Pi 4 Model B Rev 1.4 (DT)',
        '[ 7721.441301] pstate: 20400005 (nzCv daif +PAN -UAO -TCO -DIT -SSBS BTYPE=--)',
        '[ 7721.441306] pc : cgroup_rstat_flush_locked+0x1d8/0x4c0',
        '[ 7721.441316] lr : cgroup_rstat_flush_locked+0x1c4/0x4c0',
        '[ 7721.441322] sp : ffff80000b7cbb70',
        '[ 7721.441325] x29: ffff80000b7cbb70 x28: ffff0000c0d8a000 x27: 0000000000000000',
        '[ 7721.441335] x26: dead000000000100 x25: ffff0000c0d8a880 x24: 0000000000000003',
        '[ 7721.441410] Call trace:',
        '[ 7721.441413]  cgroup_rstat_flush_locked+0x1d8/0x4c0',
        '[ 7721.441421]  cgroup_rstat_flush+0x38/0x60',
        '[ 7721.441427]  mem_cgroup_flush_stats+0x4c/0x70',
        '[ 7721.441560] Code: f9400682 f9000441 b4000041 f9000022 (f9000440)',
        '[ 7721.441567] ---[ end trace 0000000000000000 ]---',
      ),
    );
    expect(ev.reports).toHaveLength(1);
    expect(ev.reports[0]).toMatchObject({ kind: 'kernel-bug', pid: 1442, comm: 'containerd', cpu: 3, rip: 'cgroup_rstat_flush_locked' });
    expect(fns(ev.reports[0])).toEqual(['cgroup_rstat_flush_locked', 'cgroup_rstat_flush', 'mem_cgroup_flush_stats']);
  });

  it('ppc64 and s390 frames, registers and instruction pointers', () => {
    expect(reportFrame('[c000000ff2d1b8a0] [c0000000008c3d14] blk_mq_dispatch_rq_list+0x1a4/0x9a0 (unreliable)')).toMatchObject({ fn: 'blk_mq_dispatch_rq_list', unreliable: true });
    expect(reportFrame(' ([<000000000011d0e2>] __wait_on_bit+0x62/0x88)')).toMatchObject({ fn: '__wait_on_bit', unreliable: true });
    expect(reportFrame('[<c0245a1c>] (nfs_wait_bit_killable) from [<c075d3a4>] (__wait_on_bit+0x68/0xa4)')).toMatchObject({ fn: 'nfs_wait_bit_killable' });
    expect(kernelRip('NIP [c0000000008c3d14] blk_mq_dispatch_rq_list+0x1a4/0x9a0')).toBe('blk_mq_dispatch_rq_list');
    expect(kernelRip('Krnl PSW : 0704c00180000000 000000000011d0e2 (__wait_on_bit+0x62/0x88)')).toBe('__wait_on_bit');
    expect(kernelRip('RIP: 0033:0x7f3a1c2e4d7b')).toBeNull();
    expect(kernelRip('RIP: 0010:[<ffffffff8104d3b5>]  [<ffffffff8104d3b5>] __wake_up_common+0x35/0x90')).toBe('__wake_up_common');
    for (const l of [
      'GPR00: c0000000008c3d14 c000000ff2d1bb30 c000000001a2b300 0000000000000000',
      'MSR:  8000000000009033 <SF,EE,ME,IR,DR,RI,LE>  CR: 24002842  XER: 00000000',
      'Krnl GPRS: 0000000000000000 0000000000000001 000000000011d0e2 0000000000000000',
      'R:0 T:1 IO:1 EX:1 Key:0 M:1 W:0 P:0 AS:3 CC:0 PM:0 RI:0 EA:3',
      '#00000000001232c4: e310b0080004       lg      %r1,8(%r11)',
      'ffff8803e3d0bd58 0000000000000086 ffff8803e3d0bfd8',
      '<EOI>',
      'Stack:',
    ]) {
      expect([l, isBodyLine(l)]).toEqual([l, true]);
    }
    for (const l of ['so we rebooted the node', 'NAME   READY   STATUS', '  PID  PPID STAT COMMAND']) expect([l, isBodyLine(l.trim())]).toEqual([l, false]);
    expect(currentTask('Pid: 2211, comm: java Not tainted 2.6.32-754.el6.x86_64 #1 HP ProLiant DL380 G7')).toEqual({ pid: 2211, comm: 'java' });
    expect(currentTask('CPU: 0 UID: 0 PID: 1 Comm: systemd Not tainted 6.12.9 #1')).toEqual({ cpu: 0, pid: 1, comm: 'systemd' });
  });

  it('a WARNING names its task from the headline', () => {
    const ev = read(
      lines('[ 55.1] WARNING: CPU: 7 PID: 912 at mm/page_counter.c:57 page_counter_uncharge+0x4d/0x60', '[ 55.1] CPU: 7 PID: 912 Comm: kworker/7:2 Not tainted 5.10.0-28-amd64 #1 Debian 5.10.209-2'),
    );
    expect(ev.reports[0]).toMatchObject({ kind: 'kernel-bug', pid: 912, cpu: 7, comm: 'kworker/7:2' });
  });

  it('a crash(8) sys summary names the panic and the task', () => {
    const ev = read(
      lines(
        '      KERNEL: /usr/lib/debug/lib/modules/4.18.0-513.el8.x86_64/vmlinux',
        '     RELEASE: 4.18.0-513.el8.x86_64',
        '       PANIC: "BUG: unable to handle kernel paging request at ffffa0c3e5a7f000"',
        '         PID: 48213',
        '     COMMAND: "kubelet"',
        '         CPU: 12',
        '       STATE: TASK_RUNNING (PANIC)',
      ),
    );
    expect(ev.reports[0]).toMatchObject({ kind: 'kernel-bug', headline: 'BUG: unable to handle kernel paging request at ffffa0c3e5a7f000', pid: 48213, comm: 'kubelet', cpu: 12 });
    expect(ev.node.kernelRelease).toBe('4.18.0-513.el8.x86_64');
  });
});

describe('panic reasons', () => {
  it('a Hard LOCKUP panic completes the watchdog report and is itself a panic', () => {
    const ev = read(
      lines(
        '[98120.501811] NMI watchdog: Watchdog detected hard LOCKUP on cpu 21',
        '[98120.501850] CPU: 21 PID: 6610 Comm: qemu-system-x86 Kdump: loaded Not tainted 4.18.0-477.10.1.el8_8.x86_64 #1',
        '[98120.501860] RIP: 0010:native_queued_spin_lock_slowpath+0x5d/0x1d0',
        '[98120.501900] Call Trace:',
        '[98120.501904]  _raw_spin_lock+0x1c/0x20',
        '[98120.501910]  kvm_mmu_page_fault+0x3a1/0x660 [kvm]',
        '[98120.501950] Kernel panic - not syncing: Hard LOCKUP',
        '[98120.501960] CPU: 21 PID: 6610 Comm: qemu-system-x86 Kdump: loaded Not tainted 4.18.0-477.10.1.el8_8.x86_64 #1',
        '[98120.501970] Call Trace:',
        '[98120.501975]  <NMI>',
        '[98120.501980]  dump_stack+0x41/0x60',
        '[98120.501985]  panic+0xe7/0x2ac',
        '[98120.501990]  nmi_panic.cold.13+0xc/0xc',
      ),
    );
    const hard = only(ev, 'hard-lockup');
    expect(hard).toHaveLength(1);
    expect(hard[0]).toMatchObject({ cpu: 21, pid: 6610, comm: 'qemu-system-x86', panicReason: 'Hard LOCKUP', rip: 'native_queued_spin_lock_slowpath' });
    expect(only(ev, 'kernel-bug')[0]).toMatchObject({ panicReason: 'Hard LOCKUP' });
    expect(ev.tasks.find((t) => t.tid === 6610)).toMatchObject({ state: 'R', comm: 'qemu-system-x86' });
  });

  it("a lone Hard LOCKUP panic is a hard lockup, its CPU and task from the panic's CPU line", () => {
    const ev = read(
      lines(
        '[  912.4] Kernel panic - not syncing: Hard LOCKUP',
        '[  912.4] CPU: 3 PID: 0 Comm: swapper/3 Not tainted 5.4.0-150-generic #167-Ubuntu',
        '[  912.4] Call Trace:',
        '[  912.4]  <NMI>',
        '[  912.4]  dump_stack+0x6d/0x8b',
      ),
    );
    expect(only(ev, 'hard-lockup')[0]).toMatchObject({ cpu: 3, panicReason: 'Hard LOCKUP', pid: 0, comm: 'swapper/3' });
    expect(only(ev, 'kernel-bug')).toHaveLength(1);
  });

  it('"Watchdog detected hard LOCKUP on cpu N" as a panic reason names the CPU', () => {
    const ev = read('[ 77.0] Kernel panic - not syncing: Watchdog detected hard LOCKUP on cpu 5');
    expect(only(ev, 'hard-lockup')[0]).toMatchObject({ cpu: 5, panicReason: 'Watchdog detected hard LOCKUP on cpu 5' });
  });

  it('softlockup and hung_task panics go to their reports', () => {
    const soft = read(
      lines(
        '[ 301.2] watchdog: BUG: soft lockup - CPU#6 stuck for 22s! [fio:30011]',
        '[ 301.2] CPU: 6 PID: 30011 Comm: fio Not tainted 5.15.0-1051-aws #56-Ubuntu',
        '[ 301.2] RIP: 0010:_raw_spin_unlock_irqrestore+0x25/0x30',
        '[ 301.3] Kernel panic - not syncing: softlockup: hung tasks',
      ),
    );
    expect(only(soft, 'soft-lockup')).toHaveLength(1);
    expect(only(soft, 'soft-lockup')[0]).toMatchObject({ panicReason: 'softlockup: hung tasks', pid: 30011 });
    const hung = read(
      lines(
        '[ 483.9] INFO: task jbd2/nvme1n1p1-8:611 blocked for more than 480 seconds.',
        '[ 483.9] task:jbd2/nvme1n1p1- state:D stack:0     pid:611   ppid:2      flags:0x00004000',
        '[ 483.9] Call Trace:',
        '[ 483.9]  jbd2_journal_commit_transaction+0x2a1/0x1900',
        '[ 483.9] Kernel panic - not syncing: hung_task: blocked tasks',
        '[ 483.9] CPU: 1 PID: 43 Comm: khungtaskd Not tainted 6.1.0 #1',
      ),
    );
    expect(only(hung, 'hung-task')).toHaveLength(1);
    expect(only(hung, 'hung-task')[0]).toMatchObject({ pid: 611, panicReason: 'hung_task: blocked tasks' });
    expect(only(hung, 'kernel-bug')[0]).toMatchObject({ pid: 43, panicReason: 'hung_task: blocked tasks' });
  });
});

describe('RCU stalls', () => {
  it('per-CPU lines, the tasks dumped for those CPUs and the starved grace-period kthread', () => {
    const ev = read(
      lines(
        '[22410.733411] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:',
        '[22410.733420] rcu: \t14-...!: (1 GPs behind) idle=e4a/0/0x1 softirq=918334/918335 fqs=0',
        '[22410.733431] rcu: \t30-...!: (0 ticks this GP) idle=5d2/1/0x4000000000000000 softirq=771201/771201 fqs=0',
        '[22410.733437] \t(detected by 2, t=60002 jiffies, g=40137745, q=2190)',
        '[22410.733440] Sending NMI from CPU 2 to CPUs 14:',
        '[22410.733512] NMI backtrace for cpu 14',
        '[22410.733515] CPU: 14 PID: 71820 Comm: java Not tainted 5.4.0-169-generic #187-Ubuntu',
        '[22410.733521] RIP: 0010:smp_call_function_many_cond+0x2d5/0x390',
        '[22410.733560] Call Trace:',
        '[22410.733566]  on_each_cpu_cond_mask+0x3b/0x80',
        '[22410.733570]  flush_tlb_mm_range+0x10c/0x150',
        '[22410.733620] Sending NMI from CPU 2 to CPUs 30:',
        '[22410.733690] NMI backtrace for cpu 30',
        '[22410.733692] CPU: 30 PID: 71904 Comm: java Not tainted 5.4.0-169-generic #187-Ubuntu',
        '[22410.733698] RIP: 0010:native_queued_spin_lock_slowpath+0x63/0x1e0',
        '[22410.733740] Call Trace:',
        '[22410.733744]  _raw_spin_lock+0x1e/0x30',
        '[22410.733750]  try_to_unmap_one+0x1b3/0x9a0',
        '[22410.733900] rcu: rcu_sched kthread starved for 60004 jiffies! g40137745 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x402 ->cpu=30',
        '[22410.733905] rcu: RCU grace-period kthread stack dump:',
        '[22410.733908] rcu_sched       I    0    11      2 0x80004000',
        '[22410.733912] Call Trace:',
        '[22410.733914]  __schedule+0x2e3/0x740',
        '[22410.733919]  schedule_timeout+0x8a/0x140',
        '[22410.733924]  rcu_gp_kthread+0x57b/0xb30',
      ),
    );
    const r = only(ev, 'rcu-stall');
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ cpu: 14, pid: 71820, comm: 'java', rip: 'smp_call_function_many_cond' });
    expect(r[0].stalledPids).toEqual([71820, 71904, 11]);
    expect(fns(r[0])).toEqual(['on_each_cpu_cond_mask', 'flush_tlb_mm_range']);
    expect(ev.tasks.find((t) => t.tid === 71904)).toMatchObject({ comm: 'java', state: 'R' });
    expect(fns(ev.tasks.find((t) => t.tid === 71904))).toEqual(['_raw_spin_lock', 'try_to_unmap_one']);
    expect(ev.tasks.find((t) => t.tid === 11)).toMatchObject({ comm: 'rcu_sched', state: 'I', ppid: 2 });
    expect(fns(ev.tasks.find((t) => t.tid === 11))).toContain('rcu_gp_kthread');
  });

  it('preempted readers, expedited stalls and 3.x inline CPU lists', () => {
    const preempt = read(
      lines(
        '[ 900.1] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:',
        '[ 900.1] rcu: \tTasks blocked on level-0 rcu_node (CPUs 0-7): P4321/1:b..l P4400/1:b..l',
        '[ 900.1] \t(detected by 5, t=21002 jiffies, g=88121, q=512)',
        '[ 900.1] task:fsnotify_work   state:R  running task     stack:0     pid:4321  ppid:2      flags:0x00004000',
        '[ 900.1] Call Trace:',
        '[ 900.1]  fsnotify_mark_destroy_workfn+0x7c/0xe0',
      ),
    );
    expect(only(preempt, 'rcu-stall')[0].stalledPids).toEqual(expect.arrayContaining([4321, 4400]));
    expect(preempt.tasks.find((t) => t.tid === 4321)).toMatchObject({ state: 'R', comm: 'fsnotify_work' });
    const expedited = read('[ 12.0] rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 7-... P8812 } 21013 jiffies s: 1457 root: 0x80/.');
    expect(only(expedited, 'rcu-stall')[0]).toMatchObject({ cpu: 7, stalledPids: [8812] });
    const old = read(
      lines(
        'Oct  2 03:00:01 nfs-2 kernel: INFO: rcu_sched detected stalls on CPUs/tasks: { 3} (detected by 1, t=60002 jiffies, g=1734, c=1733, q=81)',
        'Oct  2 03:00:01 nfs-2 kernel: Task dump for CPU 3:',
        'Oct  2 03:00:01 nfs-2 kernel: nfsd            R  running task        0  1402      2 0x00000008',
        'Oct  2 03:00:01 nfs-2 kernel: Call Trace:',
        'Oct  2 03:00:01 nfs-2 kernel: [<ffffffffa03b1c2e>] ? nfsd4_process_open2+0x44e/0x1290 [nfsd]',
        'Oct  2 03:00:01 nfs-2 kernel: [<ffffffff8109b4a3>] ? svc_process+0x123/0x200',
      ),
    );
    expect(only(old, 'rcu-stall')[0]).toMatchObject({ cpu: 3, pid: 1402, comm: 'nfsd', stalledPids: [1402] });
  });

  it('a starved kthread line with no stall headline pasted is an RCU stall', () => {
    const ev = read('[ 61.0] rcu: rcu_preempt kthread starved for 2101 jiffies! g9013 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x0 ->cpu=2');
    expect(only(ev, 'rcu-stall')).toHaveLength(1);
  });
});

describe('storage error handlers', () => {
  it.each([
    ['ata1.00: exception Emask 0x0 SAct 0x800000 SErr 0x0 action 0x6 frozen', 'scsi-timeout', 'ata1'],
    ['ata1.00: failed command: READ FPDMA QUEUED', 'io-error', 'ata1'],
    ['ata4: hard resetting link', 'scsi-timeout', 'ata4'],
    ['ata4: COMRESET failed (errno=-16)', 'scsi-timeout', 'ata4'],
    ['ata2.00: error: { UNC }', 'io-error', 'ata2'],
    ['sd 2:0:0:0: [sdb] tag#12 FAILED Result: hostbyte=DID_TIME_OUT driverbyte=DRIVER_OK cmd_age=30s', 'scsi-timeout', 'sdb'],
    ['sd 2:0:0:0: [sdb] tag#19 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_SENSE cmd_age=0s', 'io-error', 'sdb'],
    ['sd 0:0:0:0: [sda]  Result: hostbyte=DID_TIME_OUT driverbyte=DRIVER_OK', 'scsi-timeout', 'sda'],
    ['sd 3:0:0:1: rejecting I/O to offline device', 'io-error', '3:0:0:1'],
    ['sd 3:0:0:1: timing out command, waited 180s', 'scsi-timeout', '3:0:0:1'],
    ['sd 4:0:0:0: [sdc] tag#3 scsi_io_completion_action: 2 callbacks suppressed', 'io-error', 'sdc'],
    ['blk_update_request: I/O error, dev sdb, sector 2048 op 0x1:(WRITE) flags 0x0 phys_seg 1 prio class 0', 'io-error', 'sdb'],
    ['I/O error, dev sdb, sector 77283328 op 0x1:(WRITE) flags 0x9800 phys_seg 1 prio class 2', 'io-error', 'sdb'],
    ['critical medium error, dev sdd, sector 5112 op 0x0:(READ) flags 0x80700 phys_seg 1 prio class 0', 'io-error', 'sdd'],
    ['Buffer I/O error on device dm-3, logical block 1028', 'io-error', 'dm-3'],
    ['nvme nvme0: I/O 123 QID 4 timeout, aborting', 'nvme-timeout', 'nvme0'],
    ['nvme nvme2: I/O tag 511 (01ff) opcode 0x2 (I/O Cmd) QID 9 timeout, reset controller', 'nvme-timeout', 'nvme2'],
    ['nvme nvme1: failed to send keep-alive', 'nvme-timeout', 'nvme1'],
    ['nvme nvme1: keep alive timeout', 'nvme-timeout', 'nvme1'],
    ['nvme nvme3: failed nvme_keep_alive_end_io error=4', 'nvme-timeout', 'nvme3'],
    ['nvme nvme3: queue 0: timeout cid 0x3018 type 4 opcode 0x18 (Keep Alive)', 'nvme-timeout', 'nvme3'],
    ['nvme nvme3: starting error recovery', 'nvme-timeout', 'nvme3'],
    ['nvme nvme3: Reconnecting in 10 seconds...', 'nvme-timeout', 'nvme3'],
    ['nvme nvme0: Removing after probe failure status: -19', 'nvme-timeout', 'nvme0'],
    ['block nvme5n1: no usable path - requeuing I/O', 'nvme-timeout', 'nvme5n1'],
    ['nvme_ns_head_submit_bio: 38 callbacks suppressed no available path - requeuing I/O', 'nvme-timeout', 'nvme'],
    ['connection1:0: detected conn error (1020)', 'iscsi-conn-error', 'connection1:0'],
    ['session3: session recovery timed out after 120 secs', 'iscsi-conn-error', 'session3'],
  ])('%s', (text, kind, target) => {
    expect(classifyBackendLine(text)).toMatchObject({ kind, target });
  });

  it.each([
    'ata1: SATA link up 6.0 Gbps (SStatus 133 SControl 300)',
    'ata1.00: configured for UDMA/133',
    'nvme nvme0: 16/0/0 default/read/poll queues',
    'nvme nvme0: Shutdown timeout set to 10 seconds',
    'nvme nvme1: Successfully reconnected (1 attempt)',
    'sd 2:0:0:0: [sdb] 3907029168 512-byte logical blocks: (2.00 TB/1.82 TiB)',
    'EXT4-fs (sda1): mounted filesystem with ordered data mode. Opts: (null)',
  ])('not a fault: %s', (text) => {
    expect(classifyBackendLine(text)).toBeNull();
  });

  it('the watch-mode classifier gets the new kinds from the same table', () => {
    const rec = { seq: 1, level: 3, facility: 0, monotonic_us: 1, wall_time_unix_ms: 1, text: 'ata3: hard resetting link', continuation: [], caller: '' };
    expect(createKmsgClassifier()(rec)).toMatchObject({ kind: 'storage-backend', detail: 'scsi-timeout', target: 'ata3' });
  });
});

describe('OOM events, keyed by victim and time', () => {
  const memcg = '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod3f1c2d7a_8b4e_4a61_9d2e_6c0b1f2a3e4d.slice/cri-containerd-9a8b7c6d5e4f.scope';

  it('a 5.x memcg OOM: invoker placeholder with its pid, memcg, victim, reaper in the same report', () => {
    const ev = read(
      lines(
        `[310022.401118] node invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=985`,
        `[310022.401131] CPU: 1 PID: 30441 Comm: node Not tainted 5.10.205-195.807.amzn2.x86_64 #1`,
        `[310022.401140] Call Trace:`,
        `[310022.401146]  dump_stack+0x57/0x70`,
        `[310022.401152]  dump_header+0x4a/0x1f0`,
        `[310022.401160]  mem_cgroup_out_of_memory+0xe9/0x100`,
        `[310022.401200] memory: usage 524288kB, limit 524288kB, failcnt 4411`,
        `[310022.401230] Tasks state (memory values in pages):`,
        `[310022.401232] [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name`,
        `[310022.401240] [  30401]  1000 30401   180221   131052  1363968        0           985 node`,
        `[310022.401250] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-9a8b7c6d5e4f.scope,mems_allowed=0,oom_memcg=${memcg},task_memcg=${memcg},task=node,pid=30401,uid=1000`,
        `[310022.401287] Memory cgroup out of memory: Killed process 30401 (node) total-vm:720884kB, anon-rss:521980kB, file-rss:2228kB, shmem-rss:0kB, UID:1000 pgtables:1332kB oom_score_adj:985`,
        `[310022.432010] oom_reaper: reaped process 30401 (node), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB`,
      ),
    );
    const r = only(ev, 'oom-kill');
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ comm: 'node', pid: 30441, victim: { pid: 30401, comm: 'node' }, oomConstraint: 'CONSTRAINT_MEMCG', oomMemcg: memcg });
    expect(r[0].partial).toBeUndefined();
    expect(r[0].lines.some((l) => l.startsWith('oom_reaper'))).toBe(true);
    expect(ev.tasks.find((t) => t.tid === 30441)).toMatchObject({ comm: 'node', placeholder: 'oom-invoker' });
  });

  it('old kernels: "sacrifice child" chooses, "Killed process" names the child that died', () => {
    const ev = read(
      lines(
        'Jun 11 04:12:09 app-9 kernel: Out of memory: Kill process 2210 (java) score 912 or sacrifice child',
        'Jun 11 04:12:09 app-9 kernel: Killed process 2291 (jsvc) total-vm:1213020kB, anon-rss:880112kB, file-rss:0kB',
      ),
    );
    expect(only(ev, 'oom-kill')).toHaveLength(1);
    expect(only(ev, 'oom-kill')[0].victim).toEqual({ pid: 2291, comm: 'jsvc' });
  });

  it('2.6 "Killed process N, UID N, (comm)"', () => {
    const ev = read(
      lines(
        'Jan  9 13:40:01 legacy kernel: Out of memory: Kill process 9001 (mysqld) score 820 or sacrifice child',
        'Jan  9 13:40:01 legacy kernel: Killed process 9001, UID 27, (mysqld) total-vm:3421000kB, anon-rss:2811000kB, file-rss:0kB',
      ),
    );
    expect(only(ev, 'oom-kill')[0].victim).toEqual({ pid: 9001, comm: 'mysqld' });
  });

  it('a report cut before its kill line is an OOM in progress', () => {
    const ev = read(
      lines(
        '[ 8812.20] stress-ng invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=1000',
        '[ 8812.20] CPU: 0 PID: 5123 Comm: stress-ng Not tainted 6.5.0-41-generic #41~22.04.2-Ubuntu',
        '[ 8812.20] Call Trace:',
        '[ 8812.20]  <TASK>',
        '[ 8812.20]  out_of_memory+0x11c/0x540',
        '[...]',
      ),
    );
    const r = only(ev, 'oom-kill')[0];
    expect(r).toMatchObject({ partial: true, comm: 'stress-ng', pid: 5123 });
    expect(r.victim).toBeUndefined();
  });

  it('a cut after the oom-kill line keeps the chosen task as the likely victim', () => {
    const ev = read(lines('[ 10.1] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/es.service,task=java,pid=777,uid=112'));
    expect(only(ev, 'oom-kill')[0]).toMatchObject({ partial: true, victim: { pid: 777, comm: 'java' }, oomConstraint: 'CONSTRAINT_NONE' });
  });

  it("two OOMs far apart are two events even when the second one's headline was not pasted", () => {
    const ev = read(
      lines(
        'Nov  7 09:16:57 s2 kernel: [84629.7] node invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0',
        'Nov  7 09:16:57 s2 kernel: [84629.7] CPU: 0 PID: 23311 Comm: node Tainted: G         C    3.16.0-4-amd64 #1 Debian 3.16.39-1',
        'Dec 18 09:05:04 s12 kernel: [1394910.1] Task in /docker/abc killed as a result of limit of /docker/abc',
        'Dec 18 09:05:04 s12 kernel: [1394910.1] Memory cgroup out of memory: Kill process 30074 (node) score 865 or sacrifice child',
        'Dec 18 09:05:04 s12 kernel: [1394910.1] Killed process 30074 (node) total-vm:866504kB, anon-rss:223336kB, file-rss:0kB',
      ),
    );
    const r = only(ev, 'oom-kill');
    expect(r).toHaveLength(2);
    expect(r[0]).toMatchObject({ pid: 23311, partial: true });
    expect(r[0].victim).toBeUndefined();
    expect(r[1]).toMatchObject({ victim: { pid: 30074 }, oomMemcg: '/docker/abc', oomConstraint: 'CONSTRAINT_MEMCG' });
  });

  it('a wrapped memcg path is joined back', () => {
    const ev = read(
      lines(
        '[ 77.1] Task in /kubepods/burstable/pod1d2e3f40-aaaa-bbbb-cccc-1234567890ab/0123456789abcdef0123 killed as a result of limit of /kubepods/burstable/pod1d2e3f40-aaaa-bbbb-cccc-1234567890ab/0123456789abcdef0123',
        '456789abcdef',
        '[ 77.1] Memory cgroup out of memory: Killed process 4242 (ruby) total-vm:1kB',
      ),
    );
    expect(only(ev, 'oom-kill')[0].oomMemcg).toBe('/kubepods/burstable/pod1d2e3f40-aaaa-bbbb-cccc-1234567890ab/0123456789abcdef0123456789abcdef');
  });

  it('an oom_reaper line alone is an OOM kill whose report was not pasted', () => {
    const ev = read('[ 5.5] oom_reaper: reaped process 611 (chrome), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB');
    expect(only(ev, 'oom-kill')[0]).toMatchObject({ victim: { pid: 611, comm: 'chrome' }, partial: true });
  });
});

describe('log prefixes', () => {
  it.each([
    ['<3>[  120.331] INFO: task a:1 blocked', 'INFO: task a:1 blocked', '120.331'],
    ['kern  :err   : [  120.331] INFO: task a:1 blocked', 'INFO: task a:1 blocked', '120.331'],
    ['[  120.331][  T612] INFO: task a:1 blocked', 'INFO: task a:1 blocked', '120.331'],
    ['[  120.331][    C3] NMI backtrace for cpu 3', 'NMI backtrace for cpu 3', '120.331'],
    [
      '2024-03-09T10:22:31,123456+01:00 sd 2:0:0:0: [sdb] tag#1 FAILED Result: hostbyte=DID_TIME_OUT',
      'sd 2:0:0:0: [sdb] tag#1 FAILED Result: hostbyte=DID_TIME_OUT',
      '2024-03-09T10:22:31,123456+01:00',
    ],
    ['<4>2020-04-04T04:46:39.711301+08:00 mgt12 kernel: [61746.127888] Call Trace:', 'Call Trace:', '2020-04-04T04:46:39.711301+08:00'],
    ['[ 6120.004411] worker-3 kernel: INFO: task a:1 blocked', 'INFO: task a:1 blocked', '6120.004411'],
  ])('%s', (line, text, time) => {
    expect(parseLogPrefix(line)).toMatchObject({ program: 'kernel', text, time });
  });
});

describe('task dump lines', () => {
  it.each([
    ['task:kswapd0         state:R  running task     stack:0     pid:98    ppid:2      flags:0x00004000', { comm: 'kswapd0', state: 'R', pid: 98, ppid: 2 }],
    ['kswapd0         R  running task        0    98      2 0x00000000', { comm: 'kswapd0', state: 'R', pid: 98, ppid: 2 }],
    ['task:cc1 plus        state:D stack:0 pid: 4411 ppid: 4400 flags:0x00000000', { comm: 'cc1 plus', state: 'D', pid: 4411 }],
  ])('%s', (line, want) => {
    expect(parseTaskDumpLine(line)).toMatchObject(want);
  });
});

describe('every pattern of the kernel report grammar is linear', () => {
  const FILL = [' ', '>', '9', 'a', ':'];
  const PREFIXES = [
    '',
    'INFO: task ',
    'INFO: task x:<',
    'INFO: task x:1 is blocked on a mutex likely owned by task ',
    'task:',
    'CPU: 1 PID: 2 Comm: ',
    'Pid: 1, comm: ',
    'RIP: 0010:',
    'Tainted: ',
    'oom-kill:constraint=X,',
    'Out of memory: Kill process 1 (',
    'Killed process 1 (',
    'x invoked oom-killer: ',
    'rcu: ',
    'rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: {',
    'sd 1:0:0:0: ',
    'nvme nvme0: ',
    'ata1.00: exception Emask ',
    'libceph: ',
    'BUG: soft lockup - CPU#1 stuck for 2s! [',
    '[ 1.0] ',
    'Jan  1 00:00:00 h ',
    '2024-01-01T00:00:00 h k',
    'Task in ',
    'Kernel panic - not syncing: ',
    'PANIC: "',
    'x ',
    'a D ',
  ];
  const patterns: [string, RegExp][] = [
    ...Object.entries(headlines).filter((e): e is [string, RegExp] => e[1] instanceof RegExp),
    ...BACKEND_PATTERNS.map((re, i): [string, RegExp] => [`backend ${i}`, re]),
    ...BODY_PATTERNS.map((re, i): [string, RegExp] => [`body ${i}`, re]),
    ...STALL_PATTERNS.map((re, i): [string, RegExp] => [`stall ${i}`, re]),
    ...CONTINUE_PATTERNS.map((re, i): [string, RegExp] => [`continue ${i}`, re]),
    ...READER_PATTERNS.map((re, i): [string, RegExp] => [`reader ${i}`, re]),
  ];

  /** The best of three runs: a garbage collection or a rope being flattened is not the pattern's cost. */
  const cost = (f: () => void): number => {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      f();
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };

  it.each(FILL)('64 KB lines of %j, behind every headline prefix, in under 50 ms each', (ch) => {
    for (const prefix of PREFIXES) {
      const line = Buffer.from(prefix + ch.repeat(64 * 1024)).toString();
      for (const [name, re] of patterns) expect([name, prefix, cost(() => re.exec(line)) < 50]).toEqual([name, prefix, true]);
      for (const [name, f] of Object.entries({ parseLogPrefix, parseTaskDumpLine, classifyBackendLine, currentTask, kernelRip, isBodyLine, reportFrame, panicKind: headlines.panicKind })) {
        expect([name, prefix, cost(() => f(line)) < 50]).toEqual([name, prefix, true]);
      }
      // Through the reader: the line as a report's headline, inside each kind of open report, with and without its prefix.
      for (const [head, time] of [
        ['', '1.0'],
        ['INFO: task x:1 blocked for more than 1 seconds.', '1.0'],
        ['rcu: INFO: rcu_sched detected stalls on CPUs/tasks:', '1.0'],
        ['x invoked oom-killer: gfp_mask=0x0, order=0, oom_score_adj=0', '1.0'],
        ['BUG: kernel NULL pointer dereference, address: 0', ''],
      ]) {
        for (const lineTime of [time, '']) {
          const k = createKernelLogReader(createEvidenceBuilder('paste'));
          const ms = cost(() => {
            if (head) k.message(head, time);
            k.message(line, lineTime);
            k.continues(line);
          });
          k.finish();
          expect([prefix, head, lineTime, ms < 50]).toEqual([prefix, head, lineTime, true]);
        }
      }
    }
  });
});
