import type { EvidenceBuilder } from '../evidence/evidence-builder';

/**
 * Memory-cgroup files, after `cat /sys/fs/cgroup/…/FILE`, as `grep . FILE…`
 * (path:line), under `head` banners (==> FILE <==), or pasted bare (their keys
 * are distinctive):
 *   memory.events        low 0 / high 0 / max 1834 / oom 3 / oom_kill 3
 *   memory.oom_control   oom_kill_disable 0 / under_oom 1 / oom_kill 2      (v1)
 *   memory.stat          anon 266240000 / file 118784 / … (v2); rss, cache, hierarchical_memory_limit (v1)
 *   memory.max, memory.limit_in_bytes vs memory.current, memory.usage_in_bytes; memory.failcnt
 *   cgroup.events, freezer.state with a path prefix (bare, they name no cgroup to thaw: read, not kept)
 * OOM kills go to node.memcgOom; a cgroup at its limit without an OOM kill to node.memcgPressure.
 */
export interface CgroupReader {
  /** The file a `cat`/`grep`/`head` command reads (absolute path), or undefined. */
  command(file: string | undefined): void;
  /** Lines read in the context of a command or with a path prefix: strong shapes. */
  line(text: string, n: number): 'cgroup' | null;
  /** Bare lines no other reader took: the key names decide. */
  bare(text: string, n: number): 'cgroup' | null;
  /** A line of something else: a bare block ends. */
  end(): void;
  finish(): void;
}

const EVENTS_KEY = /^(low|high|max|oom|oom_kill|oom_group_kill) (\d+)$/;
const OOM_CONTROL_KEY = /^(oom_kill_disable|under_oom|oom_kill) (\d+)$/;
const STAT_KEY =
  /^(?:total_)?(cache|rss|rss_huge|shmem|mapped_file|dirty|writeback|swap|pgpgin|pgpgout|pgfault|pgmajfault|inactive_anon|active_anon|inactive_file|active_file|unevictable|hierarchical_memory_limit|hierarchical_memsw_limit|anon|file|kernel|kernel_stack|pagetables|sec_pagetables|percpu|sock|vmalloc|shmem_thp|file_mapped|file_dirty|file_writeback|swapcached|anon_thp|file_thp|slab|slab_reclaimable|slab_unreclaimable|workingset_refault|workingset_refault_anon|workingset_refault_file|workingset_activate|workingset_activate_anon|workingset_activate_file|workingset_restore_anon|workingset_restore_file|workingset_nodereclaim|pgscan|pgsteal|pgscan_kswapd|pgscan_direct|pgsteal_kswapd|pgsteal_direct|pgrefill|pgactivate|pgdeactivate|pglazyfree|pglazyfreed|thp_fault_alloc|thp_collapse_alloc|zswap|zswapped) (\d+)$/;
const NUMBER_OR_MAX = /^(\d+|max)$/;
const FILES = /^(memory\.(?:events(?:\.local)?|oom_control|stat|max|limit_in_bytes|current|usage_in_bytes|failcnt|high)|cgroup\.events|freezer\.state)$/;
const POD_UID = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})/;
const MAX_GROUPS = 200;
/** What a cgroup pasted without its path is called. */
const UNKNOWN_PATH = '(path not pasted)';
/** v1 prints an unset limit as a huge number (PAGE_COUNTER_MAX pages). */
const NO_LIMIT = 2 ** 60;

interface Group {
  path: string;
  events: Record<string, number>;
  stat: Record<string, number>;
  limit?: number;
  usage?: number;
  failcnt?: number;
  lines: string[];
}

export function createCgroupReader(b: EvidenceBuilder): CgroupReader {
  const node = b.evidence.node;
  const groups = new Map<string, Group>();
  /** The file the current command reads: path and base name. */
  let target: { dir: string; file: string } | null = null;
  let bareBlock = 0;
  let inBare = false;

  function group(dir: string): Group | undefined {
    let g = groups.get(dir);
    if (!g && groups.size < MAX_GROUPS) groups.set(dir, (g = { path: dir.startsWith('?') || dir === '' ? UNKNOWN_PATH : dir, events: {}, stat: {}, lines: [] }));
    return g;
  }

  /** One line of FILE in cgroup DIR; false when it is not a line of that file. */
  function fileLine(dir: string, file: string, value: string): boolean {
    const v = value.trim();
    let m: RegExpExecArray | null;
    if (file === 'freezer.state') {
      if (!/^(?:FROZEN|THAWED|FREEZING)$/.test(v)) return false;
      node.freezers.push({ path: dir, podUid: podUid(dir), state: v, version: 1 });
      return true;
    }
    if (file === 'cgroup.events') {
      if ((m = /^frozen ([01])$/.exec(v))) {
        node.freezers.push({ path: dir, podUid: podUid(dir), state: m[1] === '1' ? 'FROZEN' : 'THAWED', version: 2 });
        return true;
      }
      return /^populated [01]$/.test(v);
    }
    const g = group(dir);
    if (!g) return true;
    const keep = (): true => {
      if (g.lines.length < 8) g.lines.push(`${file}: ${v}`);
      return true;
    };
    if (file.startsWith('memory.events')) {
      if (!(m = EVENTS_KEY.exec(v))) return false;
      g.events[m[1]] = Number(m[2]);
      return keep();
    }
    if (file === 'memory.oom_control') {
      if (!(m = OOM_CONTROL_KEY.exec(v))) return false;
      g.events[m[1]] = Number(m[2]);
      return keep();
    }
    if (file === 'memory.stat') {
      if (!(m = STAT_KEY.exec(v))) return false;
      const key = v.startsWith('total_') ? `total_${m[1]}` : m[1];
      g.stat[key] = Number(m[2]);
      return true;
    }
    if (!(m = NUMBER_OR_MAX.exec(v))) return false;
    const num = m[1] === 'max' ? Infinity : Number(m[1]);
    if (file === 'memory.max' || file === 'memory.limit_in_bytes') g.limit = num >= NO_LIMIT ? Infinity : num;
    else if (file === 'memory.current' || file === 'memory.usage_in_bytes') g.usage = num;
    else if (file === 'memory.failcnt') g.failcnt = num;
    else return true;
    return keep();
  }

  function commit(g: Group): void {
    const ev = g.events;
    const oomKills = ev.oom_kill ?? 0;
    const underOom = ev.under_oom === 1;
    const path = g.path;
    if (oomKills > 0 || underOom) {
      if (!node.memcgOom.some((x) => x.path === path && path !== UNKNOWN_PATH)) node.memcgOom.push({ path, podUid: podUid(path), oomKills, underOom });
      return;
    }
    const stat = g.stat;
    let limit = g.limit;
    let usage = g.usage;
    // v1 memory.stat carries its own limit; resident + cache is the usage it is charged for.
    const statLimit = stat.hierarchical_memory_limit;
    if (limit === undefined && statLimit !== undefined && statLimit < NO_LIMIT) limit = statLimit;
    if (usage === undefined && limit !== undefined) {
      const rss = stat.total_rss ?? stat.rss ?? stat.anon;
      const cache = stat.total_cache ?? stat.cache ?? stat.file;
      if (rss !== undefined) usage = rss + (cache ?? 0);
    }
    const atLimit = limit !== undefined && Number.isFinite(limit) && usage !== undefined && usage >= limit * 0.95;
    const maxEvents = ev.max ?? (g.failcnt !== undefined ? g.failcnt : undefined);
    if (!atLimit && !(maxEvents !== undefined && maxEvents > 0)) return;
    node.memcgPressure ??= [];
    node.memcgPressure.push({
      path,
      podUid: podUid(path),
      maxEvents,
      highEvents: ev.high,
      limitBytes: limit !== undefined && Number.isFinite(limit) ? limit : undefined,
      usageBytes: usage,
      line: g.lines.join('; ') || (atLimit ? `usage ${usage} of limit ${limit}` : ''),
    });
  }

  function endBare(): void {
    if (!inBare) return;
    inBare = false;
    const g = groups.get(`?${bareBlock}`);
    if (g) {
      commit(g);
      groups.delete(`?${bareBlock}`);
    }
    bareBlock++;
  }

  return {
    command(file) {
      endBare();
      target = null;
      if (!file) return;
      const slash = file.lastIndexOf('/');
      const base = file.slice(slash + 1);
      if (FILES.test(base)) target = { dir: slash > 0 ? file.slice(0, slash) : '', file: base };
    },
    line(text) {
      const t = text.trim();
      const c = t.charCodeAt(0);
      // grep . /sys/fs/cgroup/…/memory.events → "/sys/fs/cgroup/…/memory.events:oom_kill 3"
      if (c === 47 /* / */ && t.startsWith('/sys/fs/cgroup/')) {
        const colon = t.indexOf(':');
        if (colon < 0) return null;
        const file = t.slice(0, colon);
        const slash = file.lastIndexOf('/');
        const base = file.slice(slash + 1);
        if (!FILES.test(base)) return null;
        return fileLine(file.slice(0, slash), base, t.slice(colon + 1)) ? 'cgroup' : null;
      }
      // head FILE… → "==> /sys/fs/cgroup/…/memory.max <=="
      if (c === 61 /* = */ && t.startsWith('==> ') && t.endsWith(' <==')) {
        const file = t.slice(4, -4);
        const slash = file.lastIndexOf('/');
        const base = file.slice(slash + 1);
        if (!FILES.test(base)) return null;
        target = { dir: file.slice(0, slash), file: base };
        return 'cgroup';
      }
      if (target && target.file !== 'freezer.state' && target.file !== 'cgroup.events' && fileLine(target.dir, target.file, t)) return 'cgroup';
      return null;
    },
    bare(text) {
      const t = text.trim();
      const c = t.charCodeAt(0);
      // Every key starts with a lower-case letter and ends in a count; freezer states are upper case.
      if (c >= 97 && c <= 122) {
        const last = t.charCodeAt(t.length - 1);
        if (last < 48 || last > 57 || t.length > 60) return null;
        const dir = `?${bareBlock}`;
        let file: string | null = null;
        if (EVENTS_KEY.test(t)) file = 'memory.events';
        else if (OOM_CONTROL_KEY.test(t)) file = 'memory.oom_control';
        else if (STAT_KEY.test(t)) file = 'memory.stat';
        // A bare cgroup.events is read but not kept: a freezer state without its cgroup path names nothing to thaw.
        else if (/^(?:populated|frozen) [01]$/.test(t)) return 'cgroup';
        if (!file) return null;
        inBare = true;
        return fileLine(dir, file, t) ? 'cgroup' : null;
      }
      return null;
    },
    end() {
      endBare();
    },
    finish() {
      endBare();
      for (const g of groups.values()) commit(g);
      groups.clear();
    },
  };
}

function podUid(path: string): string | undefined {
  const m = POD_UID.exec(path);
  return m ? m[1].replace(/_/g, '-') : undefined;
}
