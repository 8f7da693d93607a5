import { neutraliseControls } from '../render/terminal-safe';
import { parseArgs } from 'node:util';
import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import { createSnapshotter } from '../../../collector/src';
import { diagnoseSnapshot } from '../diagnosis/entry';
import { toJson } from '../render/render-json';
import { renderText } from '../render/render-text';
import { isPid, isPodUidPrefix, MAX_PID } from '../nodes/ssh/check-request';
import { sshTransport } from '../nodes/ssh-transport';
import type { CliIo } from './analyze-command';
import { SSH_CLI_OPTIONS, sshTargetFromCli } from './ssh-target-options';

export const DIAGNOSE_USAGE = `usage: whystuck diagnose (--local | --ssh USER@HOST[:PORT] --ssh-key FILE --known-hosts FILE)
                         [--pid N | --pod-uid UID | --all] [--json] [--all-history]
  --local snapshots this machine in-process (the collector's code as a library);
  --ssh snapshots a node without a collector over SSH with a fixed read-only
  script. Both run the same rules as analyze. --pod-uid accepts a unique UID prefix.
  What is stuck now comes first; the kernel log's history follows, grouped, from
  the last 24 h (or since boot); --all-history shows all of it.
  SSH options:
    --ssh-key FILE                 private key (passphrase: WHYSTUCK_SSH_KEY_PASSPHRASE)
    --known-hosts FILE             OpenSSH known_hosts (plain or hashed entries)
    --host-key-fingerprint SHA256:...  pinned host key (repeatable; instead of or with --known-hosts)
    --jump USER@HOST[:PORT]        reach the node through a jump host (same key and host-key checks)
    --connect-timeout SECONDS      connect and log in (default 10)
    --command-timeout SECONDS      each remote script run (default 30)
  Exit: 0 diagnosed, 1 pid or pod not found, 2 usage error, 3 the node could not be snapshotted.`;

/** `whystuck diagnose --local | --ssh`: 0 diagnosed, 1 pid/pod not found, 2 usage error, 3 no snapshot. */
export async function runDiagnose(args: string[], io: CliIo, opts: { procRoot?: string; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        local: { type: 'boolean' },
        pid: { type: 'string' },
        'pod-uid': { type: 'string' },
        all: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        'proc-root': { type: 'string' },
        'all-history': { type: 'boolean' },
        ...SSH_CLI_OPTIONS,
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`whystuck diagnose: ${(err as Error).message}\n${DIAGNOSE_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${DIAGNOSE_USAGE}\n`);
    return 0;
  }
  if (Boolean(values.local) === (values.ssh !== undefined)) {
    io.stderr.write(`whystuck diagnose: say where: --local (this machine) or --ssh USER@HOST (a node over SSH)\n${DIAGNOSE_USAGE}\n`);
    return 2;
  }
  const scopes = [values.pid !== undefined, values['pod-uid'] !== undefined, Boolean(values.all)].filter(Boolean).length;
  if (scopes > 1) {
    io.stderr.write('whystuck diagnose: use only one of --pid, --pod-uid, --all\n');
    return 2;
  }
  let pid: number | undefined;
  if (values.pid !== undefined) {
    if (!/^\d+$/.test(values.pid) || !isPid(Number(values.pid))) {
      io.stderr.write(`whystuck diagnose: --pid must be a process id between 1 and ${MAX_PID}, not "${values.pid}"\n`);
      return 2;
    }
    pid = Number(values.pid);
  }
  const podUid = values['pod-uid'];
  if (podUid !== undefined && !isPodUidPrefix(podUid)) {
    io.stderr.write(`whystuck diagnose: --pod-uid must be a pod UID or its prefix (hex digits and dashes), not "${podUid}"\n`);
    return 2;
  }
  let snap: SnapshotResponse;
  if (values.ssh !== undefined) {
    const target = sshTargetFromCli(values, opts.env ?? {});
    if (!target.ok) {
      io.stderr.write(`whystuck diagnose: ${target.message}\n`);
      return 2;
    }
    const res = await sshTransport(async () => target).snapshot(values.ssh, { whole_node: true });
    if (res.status !== 'ok') {
      io.stderr.write(`whystuck diagnose: ${res.message}\n`);
      return 3;
    }
    snap = res.value;
  } else {
    const snapshotter = createSnapshotter({ procRoot: values['proc-root'] ?? opts.procRoot });
    try {
      snap = await snapshotter.snapshot({ scope: 'whole_node', whole_node: true });
    } finally {
      await snapshotter.close();
    }
  }
  const scope = pid !== undefined ? { kind: 'pid' as const, pid } : podUid !== undefined ? { kind: 'podUid' as const, podUid } : { kind: 'node' as const };
  const d = diagnoseSnapshot(snap, scope, values['all-history'] ? { historyWindow: 'all' } : {});
  if (d.status === 'not-found') {
    io.stderr.write(`whystuck diagnose: ${d.message}\n`);
    return 1;
  }
  io.stdout.write(values.json ? `${JSON.stringify(toJson(d.evidence, d.diagnosis), null, 2)}\n` : neutraliseControls(renderText(d.evidence, d.diagnosis)));
  return 0;
}
