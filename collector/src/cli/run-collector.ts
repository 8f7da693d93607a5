import type { Logger } from 'pino';
import { createLogger } from '../logging/create-logger';
import { createSnapshotter } from '../snapshot/snapshotter';
import { createRemediator } from '../remediate/remediator';
import { createCollectorServer } from '../grpc/server';
import { serverCredentials } from '../grpc/tls';
import { CollectorError } from '../errors';
import { loadCollectorConfig } from './collector-config';
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { createWatchJournal } from '../watch/journal';
import { createCollectorMetrics } from '../watch/metrics';
import { createWatcher } from '../watch/watcher';
import { startMetricsServer } from '../watch/metrics-server';

const GRACE_MS = 5000;

/** `whystuck collector ...`: runs until SIGTERM/SIGINT. Returns the exit code. */
export async function runCollector(argv: string[]): Promise<number> {
  let config;
  try {
    config = loadCollectorConfig(argv);
  } catch (err) {
    if (err instanceof CollectorError) {
      process.stderr.write(`whystuck collector: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger: Logger = createLogger({ name: 'whystuck-collector', level: config.logLevel });
  const snapshotter = createSnapshotter({
    procRoot: config.procRoot,
    readDeadlineMs: config.readDeadlineMs,
    logger: logger.child({ component: 'snapshot' }),
    runtime: { endpoint: config.runtimeEndpoint, hostRoot: config.hostRoot, deadlineMs: config.runtimeDeadlineMs },
    kubeletRoot: config.kubeletRoot,
  });
  const remediator = createRemediator({ procRoot: config.procRoot, allowHostProcesses: config.allowHostProcesses, logger: logger.child({ component: 'remediate' }), reader: snapshotter.reader });
  const metrics = createCollectorMetrics();
  const journal = createWatchJournal({ hostname: hostname() });
  const watcher = createWatcher({
    snapshotter,
    journal,
    metrics,
    logger: logger.child({ component: 'watch' }),
    procRoot: config.procRoot,
    bootTimeMs: bootTimeMs(),
    observeMs: config.watchIntervalMs,
    thresholds: { dTasks: config.watchDTasks, zombies: config.watchZombies, persistMs: config.watchPersistSeconds * 1000 },
  });
  const server = createCollectorServer({
    snapshotter,
    remediator,
    botIdentity: config.botIdentity,
    readerIdentity: config.readerIdentity,
    nodeName: config.nodeName,
    procRoot: config.procRoot,
    logger: logger.child({ component: 'grpc' }),
    journal,
    metrics,
  });
  let port: number;
  try {
    const tlsLog = logger.child({ component: 'tls' });
    const creds = serverCredentials(config.host, config.tlsCert ? { cert: config.tlsCert, key: config.tlsKey as string, ca: config.tlsCa as string } : undefined, config.insecure, {
      onReload: (m) => tlsLog.info({ serial: m.serial, validTo: m.validTo }, 'certificate files changed: new connections use the new certificate'),
      onError: (err) => tlsLog.warn({ err: err.message }, 'certificate files changed but do not make a valid set yet; keeping the previous ones'),
    });
    port = await server.listen(`${config.host}:${config.port}`, creds);
  } catch (err) {
    process.stderr.write(`whystuck collector: cannot listen on ${config.listen}: ${(err as Error).message}\n`);
    await snapshotter.close();
    return 2;
  }
  watcher.start();
  let metricsServer: import('node:http').Server | undefined;
  if (config.metricsListen) {
    try {
      const m = await startMetricsServer(metrics.registry, config.metricsListen.host, config.metricsListen.port);
      metricsServer = m.server;
      process.stdout.write(`metrics ${config.metricsListen.host}:${m.port}\n`);
    } catch (err) {
      process.stderr.write(`whystuck collector: cannot serve metrics on ${config.metricsListen.host}:${config.metricsListen.port}: ${(err as Error).message}\n`);
      watcher.stop();
      await server.shutdown(0);
      await snapshotter.close();
      return 2;
    }
  }
  logger.info(
    {
      address: `${config.host}:${port}`,
      tls: Boolean(config.tlsCert),
      procRoot: config.procRoot,
      pidfd: remediator.pidfdSupported,
      node: config.nodeName,
      botIdentity: config.botIdentity,
      readerIdentity: config.readerIdentity || 'none',
    },
    'collector listening',
  );
  // Tests and scripts read the bound port from this line.
  process.stdout.write(`listening ${config.host}:${port}\n`);

  return new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      const hard = setTimeout(() => hardExit(logger, 'grace period over'), GRACE_MS + 1000);
      hard.unref();
      watcher.stop();
      metricsServer?.close();
      void server.shutdown(GRACE_MS).then(async () => {
        const stuck = snapshotter.reader.stuck();
        await snapshotter.close();
        // A reader thread blocked in the kernel can never be joined: exit() would hang on it.
        if (stuck.length > 0) hardExit(logger, `${stuck.length} reader threads are blocked in the kernel (${stuck.map((s) => s.path).join(', ')})`);
        logger.flush();
        resolve(0);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** Boot time from the kernel (btime in /proc/stat), for kernel-log wall-clock times. */
function bootTimeMs(): number {
  const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'));
  return m ? Number(m[1]) * 1000 : Date.now() - process.uptime() * 1000;
}

function hardExit(logger: Logger, why: string): never {
  logger.warn({ why }, 'exiting hard');
  logger.flush();
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}
