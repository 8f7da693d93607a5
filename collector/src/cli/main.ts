import { COLLECTOR_VERSION } from '../version';
import type { CommandIo } from './health-command';

export const COLLECTOR_COMMANDS_USAGE = `whystuck-collector — the node collector of whystuck

usage:
  whystuck-collector [collector] --listen HOST:PORT [--tls-cert F --tls-key F --tls-ca F] [--insecure] ...
      the collector (gRPC): \`whystuck-collector collector --help\` lists its flags
  whystuck-collector collector-health [--address HOST:PORT] (--tls-cert F --tls-key F --tls-ca F | --insecure) [--node NAME [--pod NS/POD] | --self]
      the collector's Health (the DaemonSet's probe); with --node, also its identity and node
  whystuck-collector version
  whystuck-collector help`;

/**
 * The collector's own command line (bin/whystuck-collector, the collector
 * image's entrypoint). It loads collector modules only, each command's on
 * demand: gRPC, metrics and logging cost ~0.4 s of CPU at start.
 * `whystuck collector ...` and `whystuck collector-health ...` come here too.
 */
export async function main(argv: string[], io: CommandIo = process): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'collector':
      return runCollectorCommand(rest, io);
    case 'collector-health': {
      const { runCollectorHealth } = await import('./health-command');
      return runCollectorHealth(rest, io);
    }
    case 'version':
    case '--version':
      io.stdout.write(`whystuck-collector ${COLLECTOR_VERSION}\n`);
      return 0;
    case undefined:
    case 'help':
      io.stdout.write(`${COLLECTOR_COMMANDS_USAGE}\n`);
      return 0;
    default:
      // The collector's flags without the command word (and its --help).
      if (command.startsWith('-')) return runCollectorCommand(argv, io);
      io.stderr.write(`whystuck-collector: unknown command ${JSON.stringify(command)}\n${COLLECTOR_COMMANDS_USAGE}\n`);
      return 2;
  }
}

async function runCollectorCommand(args: string[], io: CommandIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    const { COLLECTOR_USAGE } = await import('./collector-config');
    io.stdout.write(`${COLLECTOR_USAGE}\n`);
    return 0;
  }
  const { runCollector } = await import('./run-collector');
  return runCollector(args);
}
