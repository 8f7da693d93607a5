import type { Frame, Task } from '../evidence/evidence';
import { meaningfulFrames } from '../evidence/frames';
import { baseName, siteOf, siteOfWchan, type WaitKind, type WaitSite } from './wait-sites';

/**
 * Why a task waits, read from its kernel stack (or wait channel when there
 * is no stack) through the wait-site table: the site, the kind of wait,
 * the subsystem, which lock, and whether a fatal signal ends it.
 */
export type WaitCategory = WaitKind | 'module' | 'other';

export interface WaitSignature {
  /** First meaningful frame, or the wait channel. */
  site: string;
  category: WaitCategory;
  /** Filesystem / driver the chain runs through: fuse, nfs, xfs, ext4, ceph, block... */
  subsystem?: string;
  /** TASK_KILLABLE (or interruptible) wait: a fatal signal ends it. */
  killable: boolean;
  /** The same site is killable on some kernels or paths and not on others. */
  killableDepends?: boolean;
  /** For lock waits: which lock ("mmap_lock", "rtnl_mutex", "the lock taken in __lru_add_drain_all"). */
  lock?: string;
  /** The state this wait puts a task in (D, S, t, T), when the table knows. */
  sleep?: WaitSite['sleep'];
  /** The frames this was read from (meaningful ones). */
  frames: Frame[];
}

export const RECLAIM =
  /^(?:try_to_free_pages|try_to_free_mem_cgroup_pages|do_try_to_free_pages|shrink_(?:inactive_list|active_list|lruvec|zone|zones|node|node_memcgs|page_list|folio_list|slab|many)|free_more_memory|wait_iff_congested|throttle_direct_reclaim|mem_cgroup_reclaim|reclaim_high|mem_cgroup_handle_over_high|__alloc_pages_direct_reclaim|__perform_reclaim|reclaim_throttle)$/;
const CHARGE = /^(?:__mem_cgroup_try_charge|mem_cgroup_try_charge\w*|try_charge(?:_memcg)?|mem_cgroup_charge_common|__mem_cgroup_charge|charge_memcg|mem_cgroup_charge)$/;
const OOM = /^(?:out_of_memory|oom_kill_process\S*|mem_cgroup_out_of_memory|dump_header)$/;
/** Paths that take the mmap lock: a waiter on one of them queues on mmap_lock (mmap_sem). */
export const MM_PATH =
  /^(?:_*do_page_fault|do_user_addr_fault|exc_page_fault|page_fault|lock_mm_and_find_vma|vm_munmap|__vm_munmap|vm_mmap\w*|do_mmap|mprotect_fixup|do_mprotect_pkey|__access_remote_vm|access_remote_vm|access_process_vm|get_cmdline|get_mm_cmdline|proc_pid_cmdline_read|environ_read|mmap_read_lock\w*|mmap_write_lock\w*|__x64_sys_munmap|sys_munmap|SyS_munmap|__do_sys_brk|sys_brk|SyS_brk|madvise\w*|do_madvise)$/;
const LOCK_WRAPPER = /^(?:call_rwsem_\w+|down_read\w*|down_write\w*|__down\w*|down|mutex_lock\w*|__mutex_lock\w*|rwsem_\w+|percpu_\w+|rt_mutex\w*|__rt_mutex\w*|rwbase_\w+)$/;

const SUBSYSTEMS: [RegExp, string][] = [
  [/^(?:request_wait_answer|fuse_\w+|__fuse_\w+)$/, 'fuse'],
  [/^(?:nfs\d?_\w+|rpc_\w+|__rpc_\w+|nfs_\w+)$/, 'nfs'],
  [/^(?:ceph_\w+|rbd_\w+|__ceph_\w+)$/, 'ceph'],
  [/^(?:cifs_\w+|smb2_\w+)$/, 'cifs'],
  [/^_*(?:xfs|xlog)\w*$/, 'xfs'],
  [/^_*(?:ext4|jbd2)_\w+$/, 'ext4'],
  [/^(?:btrfs_\w+)$/, 'btrfs'],
  [/^(?:ovl_\w+)$/, 'overlay'],
  [/^(?:blk_\w+|submit_bio\w*|bio_\w+|generic_make_request|__lock_page\w*|wait_on_page_bit\w*|folio_wait\w*|write_cache_pages|do_writepages|wb_workfn|__writeback_\w+|writeback_\w+)$/, 'block'],
];

export function subsystemOf(frames: Frame[], comm = ''): string | undefined {
  for (const [re, name] of SUBSYSTEMS) if (frames.some((f) => re.test(baseName(f.fn)))) return name;
  if (/^xfsaild\//.test(comm)) return 'xfs';
  if (/^jbd2\//.test(comm)) return 'ext4';
  return undefined;
}

/** Which lock a lock waiter queues on, as far as its stack tells. */
export function lockOf(site: WaitSite | undefined, fns: string[]): string | undefined {
  if (site?.lock) return site.lock;
  if (fns.some((f) => MM_PATH.test(f))) return 'mmap_lock';
  for (const f of fns) {
    const s = siteOf(f);
    if (s?.lock) return s.lock;
  }
  const caller = fns.find((f) => !LOCK_WRAPPER.test(f));
  return caller ? `the lock taken in ${caller}` : undefined;
}

/** How deep into the stack a known wait site may sit below unknown frames and still be the reason for the wait. */
const SITE_DEPTH = 4;

export function waitSignature(task: Task): WaitSignature {
  const frames = meaningfulFrames(task.stack);
  const fns = frames.map((f) => baseName(f.fn));
  const wchan = task.wchan && task.wchan !== '-' && task.wchan !== '0' ? task.wchan : '';
  const siteName = fns[0] ?? wchan;
  const anywhere = (kind: WaitKind): boolean => fns.some((f) => siteOf(f)?.kind === kind);
  let top: WaitSite | undefined;
  if (fns.length) {
    for (const f of fns.slice(0, SITE_DEPTH)) if ((top = siteOf(f))) break;
  } else if (wchan) {
    top = siteOfWchan(wchan, task.wchanWidth);
  }
  const subsystem = subsystemOf(frames, task.comm) ?? (wchan && !fns.length ? subsystemOf([{ fn: wchan, offset: '', module: '', unreliable: false }], task.comm) : undefined) ?? top?.subsystem;
  const killableByName = fns.slice(0, 3).some((f) => /killable/.test(f)) || (!fns.length && /killable/.test(wchan));
  let category: WaitCategory;
  if (anywhere('freezer') || (!fns.length && top?.kind === 'freezer')) category = 'freezer';
  else if (fns.includes('zap_pid_ns_processes') || (!fns.length && top?.kind === 'pidns')) category = 'pidns';
  // Looping in reclaim: a memcg charge that reclaims, or a task whose wait is reclaim itself. A task asleep on I/O
  // beneath global reclaim (shrink_slab → xfs_iunpin_wait) waits for that I/O; it does not loop.
  else if (
    fns.some((f) => RECLAIM.test(f)) &&
    !fns.some((f) => OOM.test(f)) &&
    (fns.some((f) => CHARGE.test(f)) || (fns.some((f) => /fault|getblk|page_mkwrite|alloc_pages/.test(f)) && (!top || top.kind === 'reclaim' || top.kind === 'idle')))
  )
    category = 'reclaim';
  else if (top) category = top.kind === 'driver' && !subsystem ? 'io' : top.kind;
  else if (subsystem === 'fuse') category = 'fuse';
  else if (subsystem === 'nfs') category = 'nfs';
  else if (subsystem !== undefined && subsystem !== 'overlay') category = 'io';
  else if (frames[0]?.module) category = 'module';
  else category = 'other';
  if (category === 'reclaim' && top?.kind !== 'reclaim') top = WAIT_RECLAIM;
  const killable = killableByName || top?.killable === 'yes';
  return {
    site: siteName,
    category,
    subsystem,
    killable,
    ...(top?.killable === 'depends' && !killableByName ? { killableDepends: true } : {}),
    ...(category === 'lock' ? { lock: lockOf(top, fns) } : {}),
    ...(top ? { sleep: top.sleep } : {}),
    frames,
  };
}

const WAIT_RECLAIM: WaitSite = { names: [], kind: 'reclaim', killable: 'yes', sleep: 'D' };

/** "request_wait_answer ← __fuse_simple_request ← fuse_lookup_name" */
export function describeChain(sig: WaitSignature, n = 5): string {
  return (
    sig.frames
      .slice(0, n)
      .map((f) => `${f.fn}${f.module ? ` [${f.module}]` : ''}`)
      .join(' ← ') ||
    sig.site ||
    'no stack'
  );
}
