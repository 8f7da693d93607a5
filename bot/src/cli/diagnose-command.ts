import { parseArgs } from 'node:util';
import { createSnapshotter } from '../../../collector/src/snapshot/snapshotter';
import { diagnose } from '../diagnosis/engine';
import { scopeDiagnosis } from '../diagnosis/scope-findings';
import { evidenceFromSnapshot } from '../evidence/from-snapshot';
import { toJson } from '../render/render-json';
import { renderText } from '../render/render-text';
import type { CliIo } from './analyze-command';

export const DIAGNOSE_USAGE = `usage: whystuck diagnose --local [--pid N | --pod-uid UID | --all] [--json]
  Snapshots this machine in-process (the collector's code as a library) and
  runs the same rules as analyze. --pod-uid accepts a unique UID prefix.`;

const UID = /^[0-9a-f][0-9a-f-]{0,35}$/i;

/** `whystuck diagnose --local`: 0 diagnosed, 1 pid/pod not found, 2 usage error. */
export async function runDiagnose(args: string[], io: CliIo, opts: { procRoot?: string } = {}): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        local: { type: 'boolean' }, pid: { type: 'string' }, 'pod-uid': { type: 'string' }, all: { type: 'boolean' },
        json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, 'proc-root': { type: 'string' },
      },
      strict: true, allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`whystuck diagnose: ${(err as Error).message}\n${DIAGNOSE_USAGE}\n`);
    return 2;
  }
  if (values.help) { io.stdout.write(`${DIAGNOSE_USAGE}\n`); return 0; }
  if (!values.local) { io.stderr.write(`whystuck diagnose: say where: --local (this machine)\n${DIAGNOSE_USAGE}\n`); return 2; }
  const scopes = [values.pid !== undefined, values['pod-uid'] !== undefined, Boolean(values.all)].filter(Boolean).length;
  if (scopes > 1) { io.stderr.write('whystuck diagnose: use only one of --pid, --pod-uid, --all\n'); return 2; }
  let pid: number | undefined;
  if (values.pid !== undefined) {
    if (!/^\d+$/.test(values.pid) || Number(values.pid) < 1 || Number(values.pid) > 4194304) {
      io.stderr.write(`whystuck diagnose: --pid must be a process id between 1 and 4194304, not "${values.pid}"\n`);
      return 2;
    }
    pid = Number(values.pid);
  }
  const podUid = values['pod-uid'];
  if (podUid !== undefined && !UID.test(podUid)) {
    io.stderr.write(`whystuck diagnose: --pod-uid must be a pod UID or its prefix (hex digits and dashes), not "${podUid}"\n`);
    return 2;
  }
  const snapshotter = createSnapshotter({ procRoot: values['proc-root'] ?? opts.procRoot });
  try {
    const snap = await snapshotter.snapshot({ scope: 'whole_node', whole_node: true });
    const ev = evidenceFromSnapshot(snap);
    const scoped = scopeDiagnosis(ev, diagnose(ev), { pid, podUid });
    if (scoped.status === 'not-found') { io.stderr.write(`whystuck diagnose: ${scoped.message}\n`); return 1; }
    io.stdout.write(values.json ? `${JSON.stringify(toJson(ev, scoped.diagnosis), null, 2)}\n` : renderText(ev, scoped.diagnosis));
    return 0;
  } finally {
    await snapshotter.close();
  }
}
