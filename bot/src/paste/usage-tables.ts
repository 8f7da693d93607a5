import type { EvidenceBuilder } from '../evidence/evidence-builder';
import { upsertObject } from './kube-objects';

/**
 * CPU and memory per container, pod or node as `docker stats` and
 * `kubectl top pod|node` print them, kept on the objects they name:
 *   235e659080ce   k8s_app_web-0_default_…_0   0.00%   255.5MiB / 256MiB   99.80%   0B / 0B   1.2GB / 0B   12
 *   web-0   250m   512Mi                       kubectl top pod (NAMESPACE first with -A)
 *   node-7  250m   6%   7012Mi   93%            kubectl top node
 */
export interface UsageReader {
  command(program: string, args: string): void;
  line(text: string): 'docker' | 'kubectl' | null;
}

/** CONTAINER [NAME] CPU% USAGE / LIMIT MEM% … */
const DOCKER_STATS = /^([0-9a-f]{12,64})\s+(?:(\S+)\s+)?(\d+(?:\.\d+)?)%\s+(\S+)\s+\/\s+(\S+)\s+(\d+(?:\.\d+)?)%/;
const K8S_NAME = /^k8s_([A-Za-z0-9][-a-z0-9.]*)_([a-z0-9][-a-z0-9.]*)_([a-z0-9][-a-z0-9.]*)_/;
const CORES = /^\d+(?:\.\d+)?m?$/;
const BYTES = /^\d+(?:\.\d+)?(?:Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const PCT = /^\d+(?:\.\d+)?%$/;
const NAME = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;

type Mode = 'top-pod' | 'top-node' | null;

export function createUsageReader(b: EvidenceBuilder): UsageReader {
  const objects = b.evidence.objects;
  let mode: Mode = null;
  let namespaced = false;

  return {
    command(program, args) {
      mode = null;
      if (program !== 'kubectl') return;
      const m = /^top\s+(?:-\S+\s+)*(\w+)/.exec(args.trim());
      if (!m) return;
      mode = /^no/.test(m[1]) ? 'top-node' : /^po/.test(m[1]) ? 'top-pod' : null;
      namespaced = /(?:^|\s)(?:-A|--all-namespaces)\b/.test(args);
    },
    line(text) {
      const t = text.trim();
      if (t.includes('%') && t.includes(' / ')) {
        const m = DOCKER_STATS.exec(t);
        if (m) {
          const name = m[2] ?? m[1];
          const usage = `cpu ${m[3]}%, memory ${m[4]} / ${m[5]} (${m[6]}%)`;
          upsertObject(objects, { kind: 'container', name, usage, line: t.slice(0, 300) });
          const k = K8S_NAME.exec(name);
          if (k && k[1] !== 'POD') upsertObject(objects, { kind: 'pod', name: k[2], namespace: k[3] });
          return 'docker';
        }
      }
      if (t.charCodeAt(0) === 67 /* C */ && /^CONTAINER(?: ID)?\s+(?:NAME\s+)?CPU %/.test(t)) return 'docker';
      // kubectl top headers: "NAME CPU(cores) MEMORY(bytes)", "NAMESPACE NAME …", "NAME CPU(cores) CPU% MEMORY(bytes) MEMORY%".
      if ((t.charCodeAt(0) === 78 /* N */ || t.charCodeAt(0) === 80) /* P */ && t.includes('CPU(cores)')) {
        mode = /\bCPU(?:\(%\)|%)/.test(t) ? 'top-node' : 'top-pod';
        namespaced = t.startsWith('NAMESPACE');
        return 'kubectl';
      }
      if (!mode && !t.endsWith('%') && !(t.endsWith('i') && t.includes('m '))) return null;
      const tokens = t.split(/\s+/, 8);
      if (tokens.length < 3) return null;
      // node rows: NAME CORES CPU% BYTES MEM% (with or without the header)
      if (tokens.length === 5 && NAME.test(tokens[0]) && CORES.test(tokens[1]) && PCT.test(tokens[2]) && BYTES.test(tokens[3]) && PCT.test(tokens[4])) {
        upsertObject(objects, { kind: 'node', name: tokens[0], usage: `cpu ${tokens[1]} (${tokens[2]}), memory ${tokens[3]} (${tokens[4]})`, line: t });
        return 'kubectl';
      }
      if (mode === 'top-pod' || (tokens.length <= 4 && /m$/.test(tokens[tokens.length - 2]) && /i$/.test(tokens[tokens.length - 1]))) {
        const ns = namespaced || (mode === null && tokens.length === 4) ? tokens[0] : undefined;
        const rest = ns !== undefined ? tokens.slice(1) : tokens;
        if (rest.length === 3 && NAME.test(rest[0]) && CORES.test(rest[1]) && BYTES.test(rest[2]) && (ns === undefined || NAME.test(ns))) {
          upsertObject(objects, { kind: 'pod', name: rest[0], namespace: ns, usage: `cpu ${rest[1]}, memory ${rest[2]}`, line: t });
          return 'kubectl';
        }
      }
      return null;
    },
  };
}
