import { readFileSync } from 'node:fs';
import type { FreezerState } from '../../../proto/generated/whystuck/v1/FreezerState';
import type { MemcgOomEvents } from '../../../proto/generated/whystuck/v1/MemcgOomEvents';
import { listPodCgroupDirs, type CgroupLayout } from './cgroup-layout';

const readOr = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
};

const keyed = (text: string | undefined): Map<string, string> =>
  new Map(
    (text ?? '')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const i = l.indexOf(' ');
        return [l.slice(0, i), l.slice(i + 1).trim()] as [string, string];
      }),
  );

/** Freezer state of every pod cgroup (v1 freezer.state; v2 cgroup.events "frozen"). */
export function readFreezerStates(layout: CgroupLayout): FreezerState[] {
  const out: FreezerState[] = [];
  const v1 = layout.v1('freezer');
  if (v1) {
    for (const d of listPodCgroupDirs(v1)) {
      const state = readOr(`${d.dir}/freezer.state`)?.trim();
      if (state) out.push({ cgroup_path: d.path, pod_uid: d.pod.podUid, container_id: d.pod.containerId, state, cgroup_version: 1 });
    }
  }
  if (layout.v2) {
    for (const d of listPodCgroupDirs(layout.v2)) {
      const events = keyed(readOr(`${d.dir}/cgroup.events`));
      const freeze = readOr(`${d.dir}/cgroup.freeze`)?.trim();
      if (!events.has('frozen')) continue;
      const state = events.get('frozen') === '1' ? 'FROZEN' : freeze === '1' ? 'FREEZING' : 'THAWED';
      out.push({ cgroup_path: d.path, pod_uid: d.pod.podUid, container_id: d.pod.containerId, state, cgroup_version: 2 });
    }
  }
  return out;
}

/** OOM counters of every pod memory cgroup that has hit its limit. */
export function readMemcgOomEvents(layout: CgroupLayout): MemcgOomEvents[] {
  const out: MemcgOomEvents[] = [];
  const v1 = layout.v1('memory');
  if (v1) {
    for (const d of listPodCgroupDirs(v1)) {
      const ctl = keyed(readOr(`${d.dir}/memory.oom_control`));
      const failcnt = Number(readOr(`${d.dir}/memory.failcnt`) ?? 0);
      const oomKill = Number(ctl.get('oom_kill') ?? 0);
      const underOom = ctl.get('under_oom') === '1';
      if (!oomKill && !underOom && !failcnt) continue;
      out.push({
        cgroup_path: d.path,
        pod_uid: d.pod.podUid,
        container_id: d.pod.containerId,
        oom: String(failcnt),
        oom_kill: String(oomKill),
        under_oom: underOom,
        oom_kill_disable: ctl.get('oom_kill_disable') === '1',
        limit_bytes: (readOr(`${d.dir}/memory.limit_in_bytes`) ?? '0').trim(),
        usage_bytes: (readOr(`${d.dir}/memory.usage_in_bytes`) ?? '0').trim(),
      });
    }
  }
  if (layout.v2) {
    for (const d of listPodCgroupDirs(layout.v2)) {
      const ev = keyed(readOr(`${d.dir}/memory.events`));
      const oom = Number(ev.get('oom') ?? 0);
      const oomKill = Number(ev.get('oom_kill') ?? 0);
      if (!oom && !oomKill) continue;
      const max = (readOr(`${d.dir}/memory.max`) ?? '').trim();
      out.push({
        cgroup_path: d.path,
        pod_uid: d.pod.podUid,
        container_id: d.pod.containerId,
        oom: String(oom),
        oom_kill: String(oomKill),
        under_oom: false,
        oom_kill_disable: false,
        limit_bytes: max === 'max' ? '0' : max || '0',
        usage_bytes: (readOr(`${d.dir}/memory.current`) ?? '0').trim(),
      });
    }
  }
  return out;
}
