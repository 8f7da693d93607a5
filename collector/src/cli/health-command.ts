import { parseArgs } from 'node:util';
import { createCollectorClient } from '../grpc/client';

/** Where a command writes. */
export interface CommandIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** Control characters other than newline and tab as visible `\xNN` text: a hostname or message cannot drive the terminal. */
const visible = (text: string): string => text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

export const COLLECTOR_HEALTH_USAGE = `usage: whystuck collector-health [--address HOST:PORT] (--tls-cert F --tls-key F --tls-ca F | --insecure)
                                [--server-name NAME] [--timeout-ms N]
  Calls the collector's Health RPC (the DaemonSet's liveness and readiness probe).
  --address      default 127.0.0.1:7443
  --server-name  the name the collector certificate must carry (default whystuck-collector)
  --timeout-ms   deadline of the call (default 5000)
  Exit: 0 SERVING, 1 NOT_SERVING, 2 usage error, 3 unreachable or refused.`;

/** `whystuck collector-health`: one Health call, one line out. */
export async function runCollectorHealth(args: string[], io: CommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { address: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'tls-ca': { type: 'string' }, insecure: { type: 'boolean' }, 'server-name': { type: 'string' }, 'timeout-ms': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true, allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`whystuck collector-health: ${(err as Error).message}\n${COLLECTOR_HEALTH_USAGE}\n`);
    return 2;
  }
  if (values.help) { io.stdout.write(`${COLLECTOR_HEALTH_USAGE}\n`); return 0; }
  const tlsParts = [values['tls-cert'], values['tls-key'], values['tls-ca']];
  if (!values.insecure && !tlsParts.every(Boolean)) { io.stderr.write(`whystuck collector-health: give --tls-cert, --tls-key and --tls-ca (mutual TLS), or --insecure\n`); return 2; }
  const timeoutMs = Number(values['timeout-ms'] ?? '5000');
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100) { io.stderr.write('whystuck collector-health: --timeout-ms must be a whole number of milliseconds >= 100\n'); return 2; }
  let client;
  try {
    client = createCollectorClient({
      address: values.address ?? '127.0.0.1:7443',
      tls: values.insecure ? undefined : { cert: tlsParts[0]!, key: tlsParts[1]!, ca: tlsParts[2]! },
      serverName: values.insecure ? undefined : values['server-name'] ?? 'whystuck-collector',
      deadlineMs: timeoutMs, retries: 0,
    });
  } catch (err) {
    io.stderr.write(`whystuck collector-health: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    const res = await client.health();
    if (res.status !== 'ok') { io.stderr.write(`whystuck collector-health: ${res.status}: ${res.message}\n`); return 3; }
    const h = res.value;
    io.stdout.write(visible(`${h.status} ${h.hostname} version ${h.version}; capabilities ${h.capabilities.join(',') || 'none'}${h.blocked_readers ? `; ${h.blocked_readers} reader threads blocked in the kernel` : ''}`) + '\n');
    return h.status === 'SERVING' ? 0 : 1;
  } finally {
    client.close();
  }
}
