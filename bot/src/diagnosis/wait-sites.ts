/**
 * Where a task can wait in the kernel, and what that wait means: one table
 * shared by kernel stacks, wait channels and wait channels that `ps` cut short
 * (`ps -l` prints 6 characters, `wchan:N` N). A name ending in `*` is a prefix.
 *
 * kind      what the task waits for
 * killable  'yes': a fatal signal ends the wait (TASK_KILLABLE, or an
 *           interruptible sleep); 'no': nothing but the event ends it;
 *           'depends': the same site is killable on some kernels or paths.
 * sleep     the task state the wait shows: D (uninterruptible), S, t, T.
 */
export type WaitKind = 'freezer' | 'pidns' | 'exec' | 'ptrace' | 'stopped' | 'reclaim' | 'lock' | 'fuse' | 'nfs' | 'network-fs' | 'io' | 'completion' | 'driver' | 'idle';

export interface WaitSite {
  names: readonly string[];
  kind: WaitKind;
  killable: 'yes' | 'no' | 'depends';
  sleep: 'D' | 'S' | 't' | 'T';
  /** For locks: which lock, when the site itself says ("mmap_lock", "rtnl_mutex"). */
  lock?: string;
  /** Subsystem the site belongs to (fuse, nfs, ceph, xfs, ext4, block...). */
  subsystem?: string;
}

/** Ordered: the first table entry a frame matches decides; specific sites come before generic ones. */
export const WAIT_SITES: readonly WaitSite[] = [
  { kind: 'freezer', killable: 'no', sleep: 'D', names: ['__refrigerator', 'refrigerator', 'try_to_freeze*', 'freezer_*', 'freezing_slow_path'] },
  { kind: 'freezer', killable: 'yes', sleep: 'S', names: ['do_freezer_trap', 'cgroup_enter_frozen'] },
  { kind: 'pidns', killable: 'no', sleep: 'S', names: ['zap_pid_ns_processes'] },
  { kind: 'exec', killable: 'yes', sleep: 'D', names: ['de_thread'] },
  { kind: 'ptrace', killable: 'yes', sleep: 't', names: ['ptrace_stop', 'ptrace_do_notify', 'ptrace_notify', 'ptrace_signal'] },
  { kind: 'stopped', killable: 'yes', sleep: 'T', names: ['do_signal_stop', 'do_jobctl_trap'] },
  {
    kind: 'reclaim',
    killable: 'yes',
    sleep: 'D',
    names: [
      'try_to_free_pages',
      'try_to_free_mem_cgroup_pages',
      'do_try_to_free_pages',
      'shrink_inactive_list',
      'shrink_active_list',
      'shrink_lruvec',
      'shrink_zone',
      'shrink_zones',
      'shrink_node',
      'shrink_node_memcgs',
      'shrink_page_list',
      'shrink_folio_list',
      'shrink_many',
      'free_more_memory',
      'wait_iff_congested',
      'throttle_direct_reclaim',
      'mem_cgroup_reclaim',
      'reclaim_high',
      'mem_cgroup_handle_over_high',
      '__alloc_pages_direct_reclaim',
      '__perform_reclaim',
      'reclaim_throttle',
    ],
  },
  // Locks whose name the site gives away.
  { kind: 'lock', killable: 'no', sleep: 'D', lock: 'rtnl_mutex', names: ['rtnl_lock', 'rtnl_lock_killable', '__rtnl_lock', 'rtnl_net_lock'] },
  { kind: 'lock', killable: 'depends', sleep: 'D', lock: 'mmap_lock', names: ['mmap_read_lock*', 'mmap_write_lock*', 'lock_mm_and_find_vma', 'mmap_read_lock_killable', '__access_remote_vm'] },
  { kind: 'lock', killable: 'no', sleep: 'D', lock: 'cgroup_mutex', names: ['cgroup_kn_lock_live', 'cgroup_lock', 'cgroup_lock_and_drain_offline', 'cgroup_procs_write_start'] },
  { kind: 'lock', killable: 'no', sleep: 'D', lock: 'inode lock', names: ['inode_lock', 'inode_lock_nested', 'lock_rename', 'lock_two_nondirectories'] },
  { kind: 'lock', killable: 'no', sleep: 'S', lock: 'socket lock', names: ['lock_sock_nested', '__lock_sock', 'lock_sock'] },
  // Generic lock primitives: which lock is read from the callers (lockOf).
  {
    kind: 'lock',
    killable: 'yes',
    sleep: 'D',
    names: ['__mutex_lock_killable*', 'mutex_lock_killable*', 'down_read_killable*', 'down_write_killable*', '__down_killable', 'rwsem_down_read_killable*', 'rwsem_down_write_killable*'],
  },
  { kind: 'lock', killable: 'yes', sleep: 'S', names: ['__mutex_lock_interruptible*', 'mutex_lock_interruptible*', 'down_read_interruptible', 'down_interruptible', '__down_interruptible'] },
  {
    kind: 'lock',
    killable: 'no',
    sleep: 'D',
    names: [
      'rwsem_down_read_slowpath',
      'rwsem_down_write_slowpath',
      'rwsem_down_read_failed*',
      'rwsem_down_write_failed*',
      'call_rwsem_down_read_failed',
      'call_rwsem_down_write_failed',
      'down_read*',
      'down_write*',
      '__down_read*',
      '__down_write*',
      '__mutex_lock*',
      'mutex_lock*',
      '__down',
      '__down_common',
      'down',
      'percpu_rwsem_wait',
      'percpu_down_write',
      '__percpu_down_read',
      'percpu_down_read*',
      'rt_mutex_slowlock*',
      '__rt_mutex_slowlock*',
      'rwbase_*',
    ],
  },
  {
    kind: 'fuse',
    killable: 'no',
    sleep: 'D',
    subsystem: 'fuse',
    names: ['request_wait_answer', '__fuse_request_send', 'fuse_request_send', '__fuse_simple_request', 'fuse_simple_request', 'fuse_*', '__fuse_*'],
  },
  {
    kind: 'nfs',
    killable: 'yes',
    sleep: 'D',
    subsystem: 'nfs',
    names: ['rpc_wait_bit_killable', 'nfs_wait_bit_killable', 'nfs_wait_on_request', '__rpc_wait_for_completion_task', 'nfs4_wait_clnt_recover'],
  },
  { kind: 'nfs', killable: 'no', sleep: 'D', subsystem: 'nfs', names: ['nfs_*', 'nfs4_*', 'nfs3_*', 'nfs2_*', '__nfs_*', 'rpc_*', '__rpc_*', 'xprt_*'] },
  { kind: 'network-fs', killable: 'depends', sleep: 'D', subsystem: 'cifs', names: ['cifs_*', 'smb2_*', 'wait_for_response', 'wait_for_free_request', 'compound_send_recv'] },
  { kind: 'io', killable: 'no', sleep: 'D', subsystem: 'ceph', names: ['ceph_*', '__ceph_*', 'rbd_*', 'ceph_osdc_*'] },
  {
    kind: 'io',
    killable: 'no',
    sleep: 'D',
    subsystem: 'xfs',
    names: ['xlog_*', 'xfs_*', '_xfs_*', '__xfs_*'],
  },
  { kind: 'io', killable: 'no', sleep: 'D', subsystem: 'ext4', names: ['jbd2_*', '__jbd2_*', 'wait_transaction_locked', 'ext4_*', '__ext4_*', 'start_this_handle'] },
  { kind: 'io', killable: 'no', sleep: 'D', subsystem: 'btrfs', names: ['btrfs_*', 'wait_current_trans', 'wait_for_commit'] },
  {
    kind: 'io',
    killable: 'no',
    sleep: 'D',
    names: [
      'io_schedule*',
      'wait_on_page_bit*',
      'wait_on_page_writeback',
      'wait_on_page_locked',
      'folio_wait_bit*',
      'folio_wait_writeback',
      'folio_wait_locked',
      '__folio_lock*',
      '__lock_page*',
      'lock_page*',
      'wait_on_buffer',
      '__wait_on_buffer',
      'out_of_line_wait_on_bit*',
      'bit_wait_io*',
      'blk_mq_get_tag',
      'submit_bio_wait',
      'wait_for_completion_io*',
      'blkdev_issue_flush',
      'filemap_fdatawait*',
      '__filemap_fdatawait_range',
      'file_write_and_wait_range',
      'wb_wait_for_completion',
      'balance_dirty_pages*',
      'get_request',
      '__get_request',
      'blk_queue_enter',
      'blk_mq_freeze_queue_wait',
      'bio_wait*',
      'sync_inodes_sb',
      'writeback_inodes_sb*',
      'wait_sb_inodes',
      '__writeback_inodes_wb',
      'wait_on_bit*',
      '__wait_on_bit*',
    ],
  },
  { kind: 'driver', killable: 'no', sleep: 'D', subsystem: 'nvme', names: ['nvme_*', '__nvme_*'] },
  { kind: 'driver', killable: 'no', sleep: 'D', subsystem: 'scsi', names: ['scsi_*', '__scsi_*', 'sd_*', 'ata_*'] },
  { kind: 'driver', killable: 'no', sleep: 'D', names: ['usb_*', 'drm_*', 'dma_fence_*', 'mlx5_*', 'i915_*', 'amdgpu_*', 'nouveau_*'] },
  {
    kind: 'completion',
    killable: 'no',
    sleep: 'D',
    names: [
      'wait_for_completion',
      '__wait_for_common',
      'wait_for_common',
      'wait_for_completion_timeout',
      'synchronize_rcu*',
      'synchronize_srcu*',
      '__synchronize_srcu',
      'synchronize_sched*',
      'rcu_barrier*',
      'flush_work',
      '__flush_work',
      'flush_workqueue',
      '__flush_workqueue',
      'drain_workqueue',
      'kthread_stop',
      'wait_rcu_gp',
      '__wait_rcu_gp',
      'stop_machine*',
      'stop_one_cpu',
      'cpus_read_lock',
      'lru_add_drain_all',
    ],
  },
  { kind: 'completion', killable: 'yes', sleep: 'D', names: ['wait_for_completion_killable*'] },
  {
    kind: 'idle',
    killable: 'yes',
    sleep: 'S',
    names: [
      'futex_wait*',
      'futex_*',
      'do_futex',
      'ep_poll',
      'do_epoll_wait',
      'do_select',
      'core_sys_select',
      'do_sys_poll',
      'do_poll*',
      'poll_schedule_timeout*',
      'pipe_read',
      'pipe_write',
      'pipe_wait',
      'pipe_wait_readable',
      'unix_stream_read_generic',
      'unix_stream_data_wait',
      'sk_wait_data',
      'inet_csk_accept',
      'inet_csk_wait_for_connect',
      'wait_woken',
      'do_wait',
      'kernel_wait4',
      'hrtimer_nanosleep',
      'do_nanosleep',
      'sys_pause',
      'sigsuspend',
      'do_sigtimedwait',
      'n_tty_read',
      'tty_read',
      'worker_thread',
      'smpboot_thread_fn',
      'kthreadd',
      'rescuer_thread',
      'kswapd_try_to_sleep',
      'kcompactd',
      'khugepaged_wait_work',
      'rcu_gp_kthread',
      'rcu_gp_fqs_loop',
      'irq_thread',
      'wait_woken',
      'schedule_hrtimeout*',
      'do_sys_openat2_wait',
      'inotify_read',
      'signalfd_read',
      'eventfd_read',
      'io_cqring_wait',
      'msleep_interruptible',
      'read_events',
      'sock_recvmsg',
      'tcp_recvmsg*',
      'skb_wait_for_more_packets',
      '__skb_wait_for_more_packets',
    ],
  },
];

interface Compiled {
  exact: Map<string, WaitSite>;
  prefixes: { prefix: string; site: WaitSite }[];
}

const compiled: Compiled = (() => {
  const exact = new Map<string, WaitSite>();
  const prefixes: { prefix: string; site: WaitSite }[] = [];
  for (const site of WAIT_SITES) {
    for (const n of site.names) {
      if (n.endsWith('*')) prefixes.push({ prefix: n.slice(0, -1), site });
      else if (!exact.has(n)) exact.set(n, site);
    }
  }
  return { exact, prefixes };
})();

const order = new Map(WAIT_SITES.map((s, i) => [s, i]));

/** GCC's clones print as "fn.constprop.0", "fn.isra.12", "fn.cold": the function is fn. */
export function baseName(fn: string): string {
  const dot = fn.indexOf('.');
  return dot > 0 ? fn.slice(0, dot) : fn;
}

/** The wait site a whole function name is, or undefined. */
export function siteOf(fn: string): WaitSite | undefined {
  const name = baseName(fn);
  const exact = compiled.exact.get(name);
  let best = exact;
  for (const p of compiled.prefixes) {
    if (name.startsWith(p.prefix) && (!best || order.get(p.site)! < order.get(best)!)) best = p.site;
  }
  return best;
}

/**
 * The wait site of a wait channel that may have been cut to `width`
 * characters: when it is exactly that long, every site whose name begins
 * with it is a candidate, and the site is known only if they all agree.
 */
export function siteOfWchan(wchan: string, width?: number): WaitSite | undefined {
  if (!wchan || wchan === '-' || wchan === '0') return undefined;
  const cut = width !== undefined && wchan.length >= width;
  if (!cut) return siteOf(wchan);
  const candidates = new Set<WaitSite>();
  for (const [n, site] of compiled.exact) if (n.startsWith(wchan)) candidates.add(site);
  for (const p of compiled.prefixes) if (p.prefix.startsWith(wchan) || wchan.startsWith(p.prefix)) candidates.add(p.site);
  const kinds = new Set([...candidates].map((s) => s.kind));
  if (kinds.size !== 1) return undefined;
  const [first] = candidates;
  // Agreeing on the kind, the cut name may still hide which lock or whether it is killable.
  return candidates.size === 1 ? first : { ...first, names: [], lock: undefined, killable: [...candidates].every((s) => s.killable === first.killable) ? first.killable : 'depends' };
}
