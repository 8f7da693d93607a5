import { COLLECTOR_VERSION, collectorMain } from '../../../collector/src';
import type { Env } from '../config';

export const USAGE = `whystuck — why is this pod, process or node stuck?

usage:
  whystuck collector --listen HOST:PORT [--tls-cert F --tls-key F --tls-ca F] [--insecure] ...
      the node collector (gRPC); see \`whystuck collector --help\`
  whystuck analyze [FILE|-] [--json]
      name the root cause from pasted kernel logs, ps/top, stacks, /proc files
  whystuck diagnose --local [--pid N | --pod-uid UID | --all] [--json]
      the same diagnosis from a live snapshot of this machine
  whystuck diagnose --ssh USER@HOST[:PORT] --ssh-key FILE --known-hosts FILE [...]
      the same diagnosis of a node without a collector, over SSH
  whystuck start [--once "QUESTION"] [--terminal] [--no-kube] [--allow-host-processes]
      npm start: the Slack bot with Slack credentials, else a collector on loopback and a chat about this machine
  whystuck bot
      the Slack bot (HTTP mode, or Socket Mode with SLACK_APP_TOKEN)
  whystuck certs --out DIR
      a development CA and collector/bot certificates for mutual TLS
  whystuck collector-health [--address HOST:PORT] --tls-cert F --tls-key F --tls-ca F [--node NAME [--pod NS/POD] | --self]
      the collector's Health (the DaemonSet's probe); with --node, also its identity and node
  whystuck config check
      validate the bot's configuration
  whystuck store migrate
      PostgreSQL: migrations as the owner role, the bot's runtime role granted only what it needs
  whystuck version
  whystuck help`;

/**
 * The `whystuck` command line. Returns the process exit code. `env` is the
 * environment the settings come from: bin/whystuck.js passes process.env, the
 * one place the bot reads it.
 */
export async function main(argv: string[], env: Env): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'collector':
    case 'collector-health':
      // The collector's own command line (bin/whystuck-collector): it loads what the command needs when it runs.
      return collectorMain(argv);
    case 'analyze': {
      const { runAnalyze } = await import('./analyze-command');
      return runAnalyze(rest, process);
    }
    case 'diagnose': {
      const { runDiagnose } = await import('./diagnose-command');
      return runDiagnose(rest, process, { env });
    }
    case 'bot': {
      if (rest.includes('--help')) {
        const { BOT_USAGE } = await import('./run-bot');
        process.stdout.write(`${BOT_USAGE}\n`);
        return 0;
      }
      const { runBot } = await import('./run-bot');
      return runBot(env);
    }
    case 'start': {
      const { runStart } = await import('../terminal/run-start');
      return runStart(rest, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, isTty: Boolean(process.stdin.isTTY && process.stdout.isTTY), env });
    }
    case 'certs': {
      const { runCerts } = await import('./certs-command');
      return runCerts(rest, process, env);
    }
    case 'config': {
      if (rest[0] !== 'check') {
        process.stderr.write('usage: whystuck config check\n');
        return 2;
      }
      const { runConfigCheck } = await import('./run-bot');
      return runConfigCheck(env, process.stdout, process.stderr);
    }
    case 'store': {
      const { runStoreCommand } = await import('./store-command');
      return runStoreCommand(rest, env, process.stdout, process.stderr);
    }
    case 'version':
    case '--version':
      process.stdout.write(`whystuck ${COLLECTOR_VERSION}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`whystuck: unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}
