/**
 * The collector's surface: the only module of collector/ the bot imports
 * (scripts/check-boundaries.js and the lint enforce it). Tests may reach
 * inside; the bot may not.
 *
 * Loading this module must stay cheap: the paste reader (and its worker
 * thread) and every `whystuck` command import it. The text parsers below are
 * plain modules, exported as they are. What brings gRPC, protobuf, pino,
 * node-forge or node:http (together ~0.4 s of CPU and tens of MB), or is used
 * by one command only, is loaded on first call, through the functions at the
 * end, which have the same signatures as the modules' own.
 */

import type * as GrpcClient from './grpc/client';
import type * as GrpcServer from './grpc/server';
import type * as GrpcTls from './grpc/tls';
import type * as CollectorCli from './cli/main';
import type * as MetricsServer from './watch/metrics-server';
import type * as NodeFacts from './node/read-node-facts';
import type * as Logging from './logging/create-logger';
import type * as Remediation from './remediate/remediator';
import type * as Snapshots from './snapshot/snapshotter';
import type * as DevCerts from './tls/dev-certs';
import type * as Local from './local/local-collector';

export { COLLECTOR_VERSION } from './version';

// ---- Parsers of /proc, cgroup and node text: the SSH path reads the same files, pastes hold the same text.
export { parseStat, type ProcStat } from './procfs/parse-stat';
export { parseStatus, type ProcStatus } from './procfs/parse-status';
export { parseStack } from './procfs/parse-stack';
export { redactCmdline } from './procfs/redact-cmdline';
export { isKernelThread } from './procfs/task-flags';
export type { RawProcess } from './procfs/raw-task';
export type { GuardedReader, GuardedResult } from './procfs/guarded-reader';
export { parseCgroupFile, parsePodCgroup, podFromCgroupLines, type CgroupLine } from './cgroups/parse-pod-cgroup';
export { parseProcStat } from './node/parse-proc-stat';

// ---- The snapshotter's steps that other ways of reading a node (SSH) share.
export { buildTasks } from './snapshot/build-tasks';
export { problemTasks, stackTaskMask, taskKeys } from './snapshot/filter-problem-tasks';
export { problemFromCode, problemFromGuarded } from './snapshot/read-problems';

// ---- The kernel log: records, kernel reports (hung task, lockups, RCU, OOM, panic, BUG) and storage backend lines.
export { parseKmsgRecord } from './kmsg/parse-kmsg-record';
export {
  DIE_LINE,
  HARD,
  HUNG,
  HUNG_BLOCKER,
  HUNG_PASTED,
  isKernelBugHeadline,
  KERNEL_BUG,
  NETDEV,
  OOM_KILLED,
  OOM_KILL_LINE,
  OOM_KILL_TASK,
  OOM_REAPED,
  OOM_SELECTED,
  OOM_START,
  PANIC,
  panicKind,
  RCU,
  RCU_STARVED,
  SOFT,
  type PanicKind,
} from './kmsg/report-patterns';
export { BACKEND_WORDS, classifyBackendLine } from './kmsg/backend-patterns';
export type { BackendLine, BackendLineKind, BackendSubsystem } from './kmsg/backend-kinds';

// ---- Who is who between the bot and the collectors: one URI SAN per certificate (plain module, no TLS loaded).
export { BOT_IDENTITY, READER_IDENTITY, checkIdentity, nodeIdentity, nodeOfIdentity, podIdentity, podOfIdentity } from './tls/identity';

// ---- Worker threads with their own resource limits (the paste analysis runs in one).
export { siblingEntry, startWorker } from './workers/start-worker';

// ---- Loaded on first call (see above).
export type { CallResult, CollectorClient, WatchStream } from './grpc/client';
export type { TlsFiles } from './grpc/tls';
export type { Snapshotter } from './snapshot/snapshotter';
export type { LocalCollector } from './local/local-collector';

/* eslint-disable @typescript-eslint/no-require-imports -- require() on call: a static import would load gRPC and protobuf with the parsers */
/** A gRPC client of one collector (mutual TLS or loopback plaintext). */
export const createCollectorClient: typeof GrpcClient.createCollectorClient = (...a) => (require('./grpc/client') as typeof GrpcClient).createCollectorClient(...a);
/** The collector's gRPC server (an in-process collector: the terminal's, tests'). */
export const createCollectorServer: typeof GrpcServer.createCollectorServer = (...a) => (require('./grpc/server') as typeof GrpcServer).createCollectorServer(...a);
export const serverCredentials: typeof GrpcTls.serverCredentials = (...a) => (require('./grpc/tls') as typeof GrpcTls).serverCredentials(...a);
/** A live snapshot of this machine (`whystuck diagnose --local`, the in-process collector). */
export const createSnapshotter: typeof Snapshots.createSnapshotter = (...a) => (require('./snapshot/snapshotter') as typeof Snapshots).createSnapshotter(...a);
export const createRemediator: typeof Remediation.createRemediator = (...a) => (require('./remediate/remediator') as typeof Remediation).createRemediator(...a);
/** A development CA and certificates for mutual TLS (`whystuck certs`, the terminal's collector). */
export const createCertAuthority: typeof DevCerts.createCertAuthority = (...a) => (require('./tls/dev-certs') as typeof DevCerts).createCertAuthority(...a);
export const loadCertAuthority: typeof DevCerts.loadCertAuthority = (...a) => (require('./tls/dev-certs') as typeof DevCerts).loadCertAuthority(...a);
/** Node-wide facts (load, memory, pressure, mounts) read through a guarded reader: the SSH path's, over its remote reader. */
export const readNodeFacts: typeof NodeFacts.readNodeFacts = (...a) => (require('./node/read-node-facts') as typeof NodeFacts).readNodeFacts(...a);
/** A Prometheus /metrics endpoint (node:http loads with it). */
export const startMetricsServer: typeof MetricsServer.startMetricsServer = (...a) => (require('./watch/metrics-server') as typeof MetricsServer).startMetricsServer(...a);
/** The collector's command line (collector, collector-health, version): `whystuck collector ...` comes here. */
export const collectorMain: typeof CollectorCli.main = (...a) => (require('./cli/main') as typeof CollectorCli).main(...a);
/** The JSON logger both programs use. */
export const createLogger: typeof Logging.createLogger = (...a) => (require('./logging/create-logger') as typeof Logging).createLogger(...a);
/** This machine's collector in this process on 127.0.0.1, mutual TLS from a CA made for the run (the terminal's). */
export const startLocalCollector: typeof Local.startLocalCollector = (...a) => (require('./local/local-collector') as typeof Local).startLocalCollector(...a);
/* eslint-enable @typescript-eslint/no-require-imports -- end of the lazy loads */
