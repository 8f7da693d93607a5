/**
 * Signatures of real upstream kernel defects. Add only entries that can be
 * cited: the fixing commit, the release it landed in, a mitigation.
 */
export interface KnownIssue {
  id: string;
  title: string;
  /** Kernel reports the defect shows up as. */
  reportKinds: ('soft-lockup' | 'hard-lockup' | 'rcu-stall' | 'hung-task')[];
  /** Any of these functions in the report's reliable frames or RIP. */
  functions: string[];
  /** First mainline release with the fix; kernels at or after it are not affected. */
  fixedIn: string;
  fix: { commit: string; subject: string };
  explanation: string;
  mitigation: string;
  references: string[];
}

export const KNOWN_ISSUES: KnownIssue[] = [
  {
    id: 'memcg-numa-stat-walk',
    title: 'Reading memory.numa_stat walks every memory cgroup per node and CPU',
    reportKinds: ['soft-lockup', 'rcu-stall', 'hard-lockup'],
    functions: ['memcg_numa_stat_show'],
    fixedIn: '5.8',
    fix: { commit: 'dd8657b6c1cb', subject: 'mm/memcg: optimize memory.numa_stat like memory.stat' },
    explanation:
      'Before v5.8, memcg_numa_stat_show computed every counter of every node by walking the whole memcg subtree (mem_cgroup_node_nr_lru_pages per memcg), without rescheduling. With thousands of memory cgroups (many pods, or offline "zombie" memcgs) one read of memory.numa_stat — which kubelet/cAdvisor do periodically — keeps a CPU busy for tens of seconds, and stop_machine or RCU on other CPUs then stall behind it.',
    mitigation:
      'Upgrade to v5.8+ or a vendor kernel with dd8657b6c1cb backported; until then reduce the number of memory cgroups (check the memory line of /proc/cgroups for offline memcgs) and stop frequent readers of memory.numa_stat.',
    references: ['https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=dd8657b6c1cb', 'seed 002: soft lockup in memcg_numa_stat_show on 4.19'],
  },
];

/** "4.19.0-91.el8" → [4, 19]; "" → null. */
export function releaseVersion(release: string | undefined): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(release ?? '');
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export function isBefore(release: string | undefined, fixedIn: string): boolean | null {
  const have = releaseVersion(release);
  const fix = releaseVersion(fixedIn);
  if (!have || !fix) return null;
  return have[0] < fix[0] || (have[0] === fix[0] && have[1] < fix[1]);
}
