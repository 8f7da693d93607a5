import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { signAction } from '../../../bot/src/conversation/action-token';
import { createConversation, type Conversation } from '../../../bot/src/conversation/conversation';
import type { Authoriser, Message, Outbox, Place } from '../../../bot/src/conversation/outbox';
import { createRemediation } from '../../../bot/src/conversation/remediation';
import { parseCommand, parseWords } from '../../../bot/src/intents/parse-intent';
import { createKubeLookup } from '../../../bot/src/kube/pod-lookup';
import { createCollectorPool, type CollectorPool } from '../../../bot/src/nodes/collector-pool';
import { openSqliteStore } from '../../../bot/src/store/sqlite-store';
import type { Store } from '../../../bot/src/store/store';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';

/** What the conversation said, in order: the transport-neutral model, before any adapter renders it. */
interface Said {
  place: Place;
  message?: Message;
  whisper?: { user: string; text: string };
}

function recordingOutbox(): Outbox & { said: Said[] } {
  const said: Said[] = [];
  let n = 0;
  return {
    said,
    async post(place, message) {
      said.push({ place, message });
      return { ts: `100.${String(++n).padStart(6, '0')}` };
    },
    async whisper(place, user, text) {
      said.push({ place, whisper: { user, text } });
    },
    async link(channel, ts) {
      return `test://${channel}/${ts}`;
    },
  };
}

const SECRET = 'c0nversation-test-key-7f3a9b21e8d64c05a1f2e3d4c5b6a798';

/**
 * The conversation with no transport at all: a real collector over mutual
 * TLS, the Kubernetes API's wire format (the fake API server), an SQLite
 * audit file, and an outbox that records what was decided — no Bolt, no
 * Slack, no terminal.
 */
describe('the conversation speaks no transport: questions in, a Reply model and an outcome out', () => {
  let h: Harness;
  let kube: FakeKubeApi;
  let pool: CollectorPool;
  let convo: Conversation;
  let store: Store;
  let dir: string;
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    h = await startHarness({ nodeName: 'node-a' });
    kube = await startFakeKubeApi();
    pool = createCollectorPool({
      addresses: new Map([
        ['node-a', h.address],
        ['node-gone', '127.0.0.1:9'],
      ]),
      tls: h.clientTls('spiffe://whystuck/bot'),
      insecure: false,
      deadlineMs: 5000,
    });
    convo = createConversation({ kube: createKubeLookup({ kubeconfig: kube.kubeconfig }), collectors: pool, logger, actionSecret: SECRET });
    dir = mkdtempSync(join(tmpdir(), 'whystuck-convo-'));
    store = openSqliteStore(join(dir, 'store.db'));
  });
  afterAll(async () => {
    convo?.close();
    pool?.close();
    await store?.close();
    await kube?.close();
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a question about a live process: a root message, then the diagnosis as a Reply model in its thread; answered', async () => {
    const out = recordingOutbox();
    const outcome = await convo.handle(parseCommand(`pid node-a ${process.pid}`), out, 'C1', 'U1');
    expect(outcome).toBe('answered');
    expect(out.said[0]).toEqual({ place: { channel: 'C1' }, message: { text: 'Looking into pid ' + process.pid + ' on node-a…' } });
    const reply = out.said[1];
    expect(reply.place).toEqual({ channel: 'C1', thread: '100.000001' });
    expect(reply.message && 'reply' in reply.message).toBe(true);
    if (!reply.message || !('reply' in reply.message)) return;
    expect(reply.message.reply).toMatchObject({ node: 'node-a', threadKey: 'C1:100.000001', recheck: true, source: { path: 'collector', where: h.address } });
    expect(reply.message.reply.diagnosis.summary).toEqual(expect.any(String));
    // The thread is known for follow-ups: "stack" answers in it, from the same evidence.
    const follow = recordingOutbox();
    expect(await convo.handle(parseWords(`stack ${process.pid}`), follow, 'C1', 'U1', '100.000001')).toBe('answered');
    expect(follow.said).toHaveLength(1);
    expect(follow.said[0].place).toEqual({ channel: 'C1', thread: '100.000001' });
  });

  it('a pid that is not on the node: a warning in the thread, not found', async () => {
    const out = recordingOutbox();
    expect(await convo.handle(parseCommand('pid node-a 4194000'), out, 'C1', 'U1')).toBe('not-found');
    expect(out.said[1].message).toEqual({ text: expect.stringMatching(/^:warning: .*4194000.* on node-a/) });
  });

  it('a node whose collector cannot be reached: unavailable, with the address and the error', async () => {
    const out = recordingOutbox();
    expect(await convo.handle(parseWords("what's stuck on node-gone"), out, 'C1', 'U1')).toBe('unavailable');
    expect(out.said[1].message).toEqual({ text: expect.stringMatching(/^:warning: the collector on node-gone \(127\.0\.0\.1:9\) is unreachable/) });
  });

  it('a pod the Kubernetes API does not know: not found; the API server down: unavailable', async () => {
    const out = recordingOutbox();
    expect(await convo.handle(parseCommand('pod web-0 -n shop'), out, 'C1', 'U1')).toBe('not-found');
    kube.fault(/\/pods\/web-1$/, { status: 503, message: 'the server is currently unable to handle the request' });
    expect(await convo.handle(parseCommand('pod web-1 -n shop'), recordingOutbox(), 'C1', 'U1')).toBe('unavailable');
  });

  it('what it does not understand: help for that user only, not understood', async () => {
    const out = recordingOutbox();
    expect(await convo.handle(parseWords('make me a sandwich'), out, 'C1', 'U1')).toBe('not-understood');
    expect(out.said).toEqual([{ place: { channel: 'C1' }, whisper: { user: 'U1', text: expect.stringMatching(/^I didn't understand "make me a sandwich"/) } }]);
  });

  it('one sweep at a time: asked three times at once, every node is read once and all three get the answer', async () => {
    const reads: string[] = [];
    const counting: CollectorPool = {
      ...pool,
      forNode: async (node) => {
        reads.push(node);
        return pool.forNode(node);
      },
      nodes: () => pool.nodes(),
      close: () => undefined,
    };
    const c = createConversation({ kube: createKubeLookup({ kubeconfig: kube.kubeconfig }), collectors: counting, logger, actionSecret: SECRET });
    try {
      const outs = [recordingOutbox(), recordingOutbox(), recordingOutbox()];
      const outcomes = await Promise.all(outs.map((o) => c.handle(parseCommand('sweep'), o, 'C1', 'U1')));
      expect(outcomes).toEqual(['answered', 'answered', 'answered']);
      expect(reads.sort()).toEqual(['node-a', 'node-gone']);
      for (const o of outs) expect(o.said[0].message).toEqual({ text: expect.stringMatching(/^\*Sweep of 2 nodes\*: 1 with nothing stuck\.|^\*Sweep of 2 nodes\*: 0 with nothing stuck\./) });
      // Once it is over, the next ask sweeps again.
      await c.handle(parseCommand('sweep'), recordingOutbox(), 'C1', 'U1');
      expect(reads).toHaveLength(4);
    } finally {
      c.close();
    }
  });

  it('the remediation service refuses through its Authoriser, audits the refusal, and sends nothing', async () => {
    const asked: string[] = [];
    const nobody: Authoriser = {
      mayRemediate: async (u) => {
        asked.push(u);
        return false;
      },
      refusal: () => 'Not you.',
    };
    const service = createRemediation({ audit: store, collectors: pool, actionSecret: SECRET, authoriser: nobody, logger, recheck: async () => undefined });
    const token = signAction(SECRET, { node: 'node-a', pid: process.pid, startTime: 1, comm: 'node', signal: 'SIGTERM', findingId: 'zombie' }, 60_000);
    const out = recordingOutbox();
    expect(await service.remediate(out, { user: 'U2', channel: 'C1', thread: '100.000001' }, token)).toBe('refused');
    expect(asked).toEqual(['U2']);
    expect(out.said).toEqual([{ place: { channel: 'C1', thread: '100.000001' }, whisper: { user: 'U2', text: 'Not you.' } }]);
    const rows = await store.listAudit(5);
    expect(rows[0]).toMatchObject({ user: 'U2', outcome: 'REFUSED_UNAUTHORISED', pid: process.pid });
    // A forged token is refused before anyone is asked.
    asked.length = 0;
    expect(await service.remediate(recordingOutbox(), { user: 'U2', channel: 'C1', thread: '100.000001' }, `${token.slice(0, -4)}AAAA`)).toBe('refused');
    expect(asked).toEqual([]);
  });
});
