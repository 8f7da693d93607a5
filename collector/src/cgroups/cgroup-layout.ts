import { existsSync, readdirSync } from 'node:fs';
import { parsePodCgroup, type PodCgroup } from './parse-pod-cgroup';

export interface CgroupLayout {
  /** 1 = v1 only, 2 = unified only, 3 = hybrid (v1 controllers plus a v2 tree). */
  version: 1 | 2 | 3;
  /** Mount point of a v1 controller, e.g. freezer -> /sys/fs/cgroup/freezer. */
  v1(controller: string): string | undefined;
  /** Mount point of the v2 hierarchy, if any. */
  v2?: string;
}

export function detectCgroupLayout(root = '/sys/fs/cgroup'): CgroupLayout {
  if (existsSync(`${root}/cgroup.controllers`)) return { version: 2, v1: () => undefined, v2: root };
  const unified = existsSync(`${root}/unified/cgroup.controllers`) ? `${root}/unified` : undefined;
  return {
    version: unified ? 3 : 1,
    v1: (c) => (existsSync(`${root}/${c}/tasks`) ? `${root}/${c}` : undefined),
    v2: unified,
  };
}

export interface PodCgroupDir {
  dir: string;
  /** The path as /proc/PID/cgroup would show it (relative to the hierarchy root). */
  path: string;
  pod: PodCgroup;
}

/**
 * Every pod- and container-level cgroup directory under a hierarchy root,
 * for both drivers (kubepods/… and kubepods.slice/…). Walks at most six levels.
 */
export function listPodCgroupDirs(hierarchyRoot: string): PodCgroupDir[] {
  const out: PodCgroupDir[] = [];
  const walk = (rel: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(`${hierarchyRoot}${rel}`, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      return;
    }
    for (const name of names) {
      const child = `${rel}/${name}`;
      if (depth === 0 && !name.startsWith('kubepods') && !name.startsWith('kubelet')) continue;
      const pod = parsePodCgroup(child);
      if (pod) out.push({ dir: `${hierarchyRoot}${child}`, path: child, pod });
      if (depth < 6 && !(pod && pod.containerId)) walk(child, depth + 1);
    }
  };
  walk('', 0);
  return out;
}
