import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createCollectorPool } from '../../../bot/src/nodes/collector-pool';
import { signAction } from '../../../bot/src/conversation/action-token';
import { neverLeft } from '../../../bot/src/nodes/node-access';
import { recoverUnfinishedIntents } from '../../../bot/src/conversation/unfinished-intents';
import { openSqliteStore } from '../../../bot/src/store/sqlite-store';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { startFakeSlackApi, type FakeSlackApi } from '../../helpers/bot/fake-slack-api';
import { blockActionBody, postSigned } from '../../helpers/bot/signed-request';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { waitFor } from '../../helpers/kernel/processes';
import { startBotReplica, type BotReplica } from '../../helpers/store/bot-replica';

/**
 * "Not sent" is said only when nothing can have been sent. A bot killed
 * (SIGKILL, a real child process) between writing the intent and writing the
 * result leaves a row without a result: the next start marks it UNKNOWN and
 * rechecks the pid through the collector. A Remediate whose answer never comes
 * back (DEADLINE_EXCEEDED after the request left) is UNKNOWN too, followed by
 * a recheck. A real collector over mutual TLS signals real processes; a TCP
 * proxy on 127.0.0.1 between bot and collector can hold the collector's
 * answers back.
 */
const SECRET = 'test-signing-secret-unfinished-5e1';
const ACTION_SECRET = randomBytes(32).toString('hex');
const quiet = pino({ level: 'silent' });

/** A TCP proxy that can stop passing the collector's bytes to the bot (they are kept, never delivered while held). */
async function startProxy(target: string): Promise<{ address: string; hold(): void; close(): Promise<void> }> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  let held = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, host);
    sockets.add(client).add(upstream);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (!held) client.write(d);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    hold: () => {
      held = true;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A real process to signal: its pid, start time (clock ticks) and comm, as the collector checks them. */
async function target(): Promise<{ child: ChildProcess; pid: number; startTime: number; comm: string; exited: Promise<void> }> {
  const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await waitFor(() => {
    try {
      return readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() === 'sleep';
    } catch {
      return false;
    }
  }, 'sleep started');
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { child, pid: child.pid!, startTime: Number(fields[19]), comm: 'sleep', exited };
}

const click = (bot: BotReplica, t: { pid: number; startTime: number; comm: string }, threadTs: string): Promise<unknown> =>
  postSigned(
    bot.url,
    SECRET,
    blockActionBody({
      user: 'U0ONCALL',
      channel: 'C0INCIDENT',
      messageTs: threadTs,
      threadTs,
      actionId: 'remediate_0',
      value: signAction(ACTION_SECRET, { node: 'node-a', pid: t.pid, startTime: t.startTime, comm: t.comm, signal: 'SIGKILL', findingId: 'test-stuck' }, 10 * 60_000),
    }),
  );

type Row = { id: number; token_id: string; pid: number; outcome: string | null; message: string | null };
const rows = (file: string): Row[] => {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id, token_id, pid, outcome, message FROM remediation_audit ORDER BY id').all() as Row[];
  } finally {
    db.close();
  }
};

describe('intents without a result, and answers that never came: UNKNOWN — may have been sent, then a recheck', () => {
  let harness: Harness;
  let slack: FakeSlackApi;
  let kube: FakeKubeApi;
  let dir: string;
  const bots: BotReplica[] = [];
  const children: ChildProcess[] = [];
  const proxies: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'whystuck-unfinished-'));
    harness = await startHarness({ remediator: { allowHostProcesses: true } });
    slack = await startFakeSlackApi();
    kube = await startFakeKubeApi();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(bots.map((b) => b.kill()));
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(proxies.map((p) => p.close()));
    await slack?.close();
    await kube?.close();
    await harness?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const botEnv = (db: string, collector: string, extra: Record<string, string> = {}): Record<string, string> => {
    const tls = harness.clientTls('whystuck-bot');
    return {
      SLACK_BOT_TOKEN: 'xoxb-test-unfinished',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      WHYSTUCK_ACTION_SECRET: ACTION_SECRET,
      WHYSTUCK_COLLECTORS: `node-a=${collector}`,
      WHYSTUCK_COLLECTOR_TLS_CERT: tls.cert,
      WHYSTUCK_COLLECTOR_TLS_KEY: tls.key,
      WHYSTUCK_COLLECTOR_TLS_CA: tls.ca,
      WHYSTUCK_REMEDIATORS: 'U0ONCALL',
      WHYSTUCK_DB: db,
      KUBECONFIG: kube.kubeconfig,
      ...extra,
    };
  };

  it('a bot killed (SIGKILL) between intent and result: restarted, the intent is marked UNKNOWN and its pid rechecked, never "not sent"', async () => {
    const db = join(dir, 'killed.db');
    const proxy = await startProxy(harness.address);
    proxies.push(proxy);
    // A long deadline: this bot waits for the held answer until it is killed.
    const first = await startBotReplica(botEnv(db, proxy.address, { WHYSTUCK_COLLECTOR_DEADLINE_MS: '120000' }));
    bots.push(first);
    const t = await target();
    children.push(t.child);
    // The channel to the collector is up (a Health through the proxy) before the answers are held.
    const pre = harness.client('whystuck-bot', { deadlineMs: 5000 });
    expect((await pre.health()).status).toBe('ok');
    pre.close();
    await click(first, { pid: 1, startTime: 1, comm: 'warmup' }, '1700000000.000100');
    await waitFor(() => rows(db).some((r) => r.pid === 1 && r.outcome !== null), 'the warm-up click answered', 30_000);
    proxy.hold();

    await click(first, t, '1700000000.000200');
    // The collector signalled the process; its answer is held, so the bot has the intent and no result.
    await t.exited;
    await waitFor(() => rows(db).some((r) => r.pid === t.pid), 'the intent written', 20_000);
    await first.kill();
    const left = rows(db).find((r) => r.pid === t.pid)!;
    expect(left.outcome).toBeNull();

    // Restarted (grace 1 s: the intent is older than that by now).
    await new Promise((r) => setTimeout(r, 1100));
    const second = await startBotReplica(botEnv(db, harness.address, { WHYSTUCK_UNFINISHED_INTENT_GRACE_SECONDS: '1' }));
    bots.push(second);
    await waitFor(() => rows(db).find((r) => r.id === left.id)?.outcome !== null, 'the unfinished intent closed', 30_000);
    const closed = rows(db).find((r) => r.id === left.id)!;
    expect(closed.outcome).toBe('UNKNOWN');
    expect(closed.message).toMatch(
      new RegExp(
        `^UNKNOWN — may have been sent: no result was recorded — the replica that wrote this intent at \\S+ stopped \\(or lost the store\\) between intent and result\\. Recheck at \\S+: pid ${t.pid} \\(sleep\\) on node-a is gone\\.$`,
      ),
    );
    expect(closed.message).not.toMatch(/not sent/);
    expect(second.log()).toMatch(/UNKNOWN — may have been sent/);
    await second.stop();
  }, 180_000);

  it('a Remediate whose answer never comes (DEADLINE_EXCEEDED after the request left) is UNKNOWN, said in the thread, and rechecked; a collector never reached is "not sent"', async () => {
    const db = join(dir, 'deadline.db');
    const proxy = await startProxy(harness.address);
    proxies.push(proxy);
    const bot = await startBotReplica(botEnv(db, proxy.address, { WHYSTUCK_COLLECTOR_DEADLINE_MS: '3000' }));
    bots.push(bot);
    await click(bot, { pid: 1, startTime: 1, comm: 'warmup' }, '1700000001.000100');
    await waitFor(() => rows(db).some((r) => r.pid === 1 && r.outcome !== null), 'the warm-up click answered', 30_000);
    const t = await target();
    children.push(t.child);
    proxy.hold();
    await click(bot, t, '1700000001.000200');
    const warning = await slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === '1700000001.000200' && /UNKNOWN — may have been sent/.test(String(c.args.text)), 30_000);
    expect(String(warning.args.text)).toMatch(
      new RegExp(
        `^:warning: UNKNOWN — may have been sent: SIGKILL to ${t.pid} \\(sleep\\) on node-a \\(audit #\\d+\\) — the collector on node-a \\(.*\\) did not answer after the request was sent: Deadline exceeded .*remote_addr=.*Rechecking whether it is still there…$`,
      ),
    );
    await t.exited; // it was signalled: "not sent" would have been a lie
    const row = rows(db).find((r) => r.pid === t.pid)!;
    expect(row.outcome).toBe('UNKNOWN');
    expect(row.message).toMatch(/^UNKNOWN — may have been sent: the collector on node-a .* did not answer after the request was sent: Deadline exceeded/);
    expect(slack.calls.some((c) => c.args.thread_ts === '1700000001.000200' && /was not sent/.test(String(c.args.text)))).toBe(false);
    await bot.stop();

    // A collector that cannot be reached at all: the request never left, and that is said.
    const nothing = createServer();
    await new Promise<void>((r) => nothing.listen(0, '127.0.0.1', () => r()));
    const deadPort = (nothing.address() as { port: number }).port;
    await new Promise<void>((r) => nothing.close(() => r()));
    const db2 = join(dir, 'unreachable.db');
    const bot2 = await startBotReplica(botEnv(db2, `127.0.0.1:${deadPort}`, { WHYSTUCK_COLLECTOR_DEADLINE_MS: '3000' }));
    bots.push(bot2);
    const t2 = await target();
    children.push(t2.child);
    await click(bot2, t2, '1700000002.000200');
    const failed = await slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === '1700000002.000200' && /:x: /.test(String(c.args.text)), 30_000);
    expect(String(failed.args.text)).toMatch(new RegExp(`^:x: SIGKILL to ${t2.pid} was not sent: the collector on node-a is unreachable`));
    expect(rows(db2).find((r) => r.pid === t2.pid)?.outcome).toBe('FAILED');
    await bot2.stop();
  }, 180_000);

  it("only intents older than the grace period: a live replica's in-flight intent is left alone; a process still there is said so; two replicas close a row once", async () => {
    const file = join(dir, 'grace.db');
    const store = openSqliteStore(file);
    const other = openSqliteStore(file);
    const pool = createCollectorPool({ addresses: new Map([['node-a', harness.address]]), tls: harness.clientTls('whystuck-bot'), insecure: false, deadlineMs: 5000 });
    try {
      const t = await target();
      children.push(t.child);
      const young = await store.recordIntent({ tokenId: 'young', user: 'U0ONCALL', node: 'node-a', pid: t.pid, startTime: t.startTime, comm: 'sleep', signal: 'SIGTERM', findingId: 'f' });
      expect((await recoverUnfinishedIntents({ store, collectors: pool, graceMs: 60_000, logger: quiet })).closed).toEqual([]);
      expect(await store.finishUnfinished(young.status === 'new' ? young.id : 0, 60_000, 'UNKNOWN', 'x')).toBe(false);
      // Its replica is alive and writes its result: nothing took it.
      await store.recordResult(young.status === 'new' ? young.id : 0, 'SIGNALLED', 'done by its own replica');
      expect((await store.auditByToken('young'))?.outcome).toBe('SIGNALLED');

      const old = await store.recordIntent({ tokenId: 'old', user: 'U0ONCALL', node: 'node-a', pid: t.pid, startTime: t.startTime, comm: 'sleep', signal: 'SIGTERM', findingId: 'f' });
      await new Promise((r) => setTimeout(r, 50));
      const [a, b] = await Promise.all([
        recoverUnfinishedIntents({ store, collectors: pool, graceMs: 10, logger: quiet }),
        recoverUnfinishedIntents({ store: other, collectors: pool, graceMs: 10, logger: quiet }),
      ]);
      expect([...a.closed, ...b.closed].map((e) => e.id)).toEqual([old.status === 'new' ? old.id : 0]);
      expect((await store.auditByToken('old'))?.message).toMatch(new RegExp(`Recheck at \\S+: pid ${t.pid} \\(sleep\\) on node-a is still there, in state S`));
    } finally {
      pool.close();
      await store.close();
      await other.close();
    }
  }, 60_000);

  it('what counts as "never left": only a call that never got a connection', () => {
    expect(neverLeft('No connection established. Last error: connect ECONNREFUSED 127.0.0.1:9. Resolution note: ')).toBe(true);
    expect(neverLeft('Deadline exceeded after 3.002s,name resolution: 0.001s,Waiting for LB pick')).toBe(true);
    expect(neverLeft('Deadline exceeded after 3.002s,LB pick: 0.001s,remote_addr=127.0.0.1:7443')).toBe(false);
    expect(neverLeft('Connection dropped')).toBe(false);
    expect(neverLeft('read ECONNRESET')).toBe(false);
  });
});
