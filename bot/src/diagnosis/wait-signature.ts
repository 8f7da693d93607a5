import type { Frame, Task } from '../evidence/evidence';
import { meaningfulFrames } from '../evidence/frames';

/**
 * Why a task waits, read from its kernel stack (or wait channel when there
 * is no stack): the site, the subsystem and the kind of wait.
 */
export type WaitCategory = 'freezer' | 'pidns' | 'reclaim' | 'lock' | 'fuse' | 'nfs' | 'io' | 'module' | 'other';

export interface WaitSignature {
  /** First meaningful frame, or the wait channel. */
  site: string;
  category: WaitCategory;
  /** Filesystem / driver the chain runs through: fuse, nfs, xfs, ext4, ceph, block... */
  subsystem?: string;
  /** TASK_KILLABLE wait: a fatal signal ends it. */
  killable: boolean;
  /** The frames this was read from (meaningful ones). */
  frames: Frame[];
}

const FREEZER = /^(?:__refrigerator|refrigerator|do_freezer_trap|cgroup_enter_frozen|freezer_\w+|try_to_freeze\w*)$/;
export const RECLAIM = /^(?:try_to_free_pages|try_to_free_mem_cgroup_pages|do_try_to_free_pages|shrink_(?:inactive_list|active_list|lruvec|zone|zones|node|node_memcgs|page_list|folio_list|slab|many)|free_more_memory|wait_iff_congested|throttle_direct_reclaim|mem_cgroup_reclaim|reclaim_high|mem_cgroup_handle_over_high|__alloc_pages_direct_reclaim|__perform_reclaim|reclaim_throttle)$/;
const CHARGE = /^(?:__mem_cgroup_try_charge|mem_cgroup_try_charge\w*|try_charge(?:_memcg)?|mem_cgroup_charge_common|__mem_cgroup_charge|charge_memcg|mem_cgroup_charge)$/;
const OOM = /^(?:out_of_memory|oom_kill_process\S*|mem_cgroup_out_of_memory|dump_header)$/;
export const LOCK = /^(?:rwsem_down_(?:read|write)_(?:slowpath|failed\w*)|call_rwsem_down_(?:read|write)_failed|__mutex_lock\w*|mutex_lock\w*|__down\w*|down|down_read\w*|down_write\w*|percpu_rwsem_wait|percpu_down_write|__percpu_down_read|rt_mutex_slowlock\w*|__rt_mutex_slowlock\w*)$/;
const IO = /^(?:io_schedule\w*|wait_on_page_bit\w*|folio_wait_bit\w*|__folio_lock\w*|__lock_page\w*|lock_page\w*|wait_on_buffer|__wait_on_buffer|out_of_line_wait_on_bit\w*|bit_wait_io\w*|blk_mq_get_tag|submit_bio_wait|wait_for_completion_io\w*|xlog_wait\w*|xfs_buf_lock|xfs_log_force\w*|jbd2_\w*wait\w*|jbd2_log_wait_commit|wait_transaction_locked|rbd_\w+|ceph_\w+|ceph_osdc_\w+|blkdev_issue_flush|filemap_fdatawait\w*|__filemap_fdatawait_range|wb_wait_for_completion|balance_dirty_pages\w*|get_request|__get_request|blk_queue_enter|nvme_\w+|scsi_\w+)$/;

const SUBSYSTEMS: [RegExp, string][] = [
  [/^(?:request_wait_answer|fuse_\w+|__fuse_\w+)$/, 'fuse'],
  [/^(?:nfs\d?_\w+|rpc_\w+|__rpc_\w+|nfs_\w+)$/, 'nfs'],
  [/^(?:ceph_\w+|rbd_\w+|__ceph_\w+)$/, 'ceph'],
  [/^_*(?:xfs|xlog)\w*$/, 'xfs'],
  [/^_*(?:ext4|jbd2)_\w+$/, 'ext4'],
  [/^(?:btrfs_\w+)$/, 'btrfs'],
  [/^(?:ovl_\w+)$/, 'overlay'],
  [/^(?:blk_\w+|submit_bio\w*|bio_\w+|generic_make_request|__lock_page\w*|wait_on_page_bit\w*|folio_wait\w*|write_cache_pages|do_writepages|wb_workfn|__writeback_\w+|writeback_\w+)$/, 'block'],
];

export function subsystemOf(frames: Frame[], comm = ''): string | undefined {
  for (const [re, name] of SUBSYSTEMS) if (frames.some((f) => re.test(f.fn))) return name;
  if (/^xfsaild\//.test(comm)) return 'xfs';
  if (/^jbd2\//.test(comm)) return 'ext4';
  return undefined;
}

export function waitSignature(task: Task): WaitSignature {
  const frames = meaningfulFrames(task.stack);
  const fns = frames.map((f) => f.fn);
  const wchan = task.wchan ?? '';
  const site = fns[0] ?? wchan;
  const killable = fns.slice(0, 3).some((f) => /killable/.test(f)) || (!fns.length && /killable/.test(wchan));
  const subsystem = subsystemOf(frames, task.comm) ?? subsystemOf(wchan ? [{ fn: wchan, offset: '', module: '', unreliable: false }] : [], task.comm);
  const has = (re: RegExp): boolean => fns.some((f) => re.test(f)) || (!fns.length && re.test(wchan));
  let category: WaitCategory = 'other';
  if (has(FREEZER)) category = 'freezer';
  else if (has(/^zap_pid_ns_processes$/)) category = 'pidns';
  else if (has(RECLAIM) && (has(CHARGE) || has(/fault|getblk|page_mkwrite|alloc_pages/)) && !has(OOM)) category = 'reclaim';
  else if (LOCK.test(site)) category = 'lock';
  else if (subsystem === 'fuse') category = 'fuse';
  else if (subsystem === 'nfs') category = 'nfs';
  else if (IO.test(site) || (subsystem !== undefined && subsystem !== 'overlay')) category = 'io';
  else if (frames[0]?.module) category = 'module';
  return { site, category, subsystem, killable, frames };
}

/** "request_wait_answer ← __fuse_simple_request ← fuse_lookup_name" */
export function describeChain(sig: WaitSignature, n = 5): string {
  return sig.frames.slice(0, n).map((f) => `${f.fn}${f.module ? ` [${f.module}]` : ''}`).join(' ← ') || sig.site || 'no stack';
}
