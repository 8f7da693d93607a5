import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { CollectorPool } from '../collectors/collector-pool';
import { dedupKeyFor, type EscalationTarget } from '../escalation/pagerduty';
import { HELP_TEXT, type Intent } from '../intents/parse-intent';
import { validatePodRef, type KubeLookup } from '../kube/pod-lookup';
import { signAction } from './action-token';
import { clip, diagnosisBlocks, rootText, type ButtonSpec } from './diagnosis-blocks';
import { investigateNode, sweep } from './investigate-node';
import { investigatePod, type Investigation } from './investigate-pod';
import { dmesgAnswer, killAnswer, stackAnswer, treeAnswer } from './thread-followups';

export type Target = { kind: 'pod'; namespace: string; name: string } | { kind: 'node'; node: string; pid?: number; focus?: 'zombies' | 'D' };
type Ok = Extract<Investigation, { status: 'ok' }>;

export interface ThreadContext { channel: string; ts: string; target: Target; last?: Investigation; escalated: Set<string>; overflow: string[] }

export interface ConversationDeps {
  kube: KubeLookup;
  collectors: CollectorPool;
  logger: Logger;
  actionSecret: string;
  actionTtlMs?: number;
  escalation?: EscalationTarget;
}

const key = (channel: string, ts: string): string => `${channel}:${ts}`;
const describe = (t: Target): string => (t.kind === 'pod' ? `${t.namespace}/${t.name}` : t.pid !== undefined ? `pid ${t.pid} on ${t.node}` : `node ${t.node}`);

/** Everything the bot says, independent of how Slack delivered the question. */
export function createConversation(deps: ConversationDeps) {
  const threads = new Map<string, ThreadContext>();

  function buttonsFor(inv: Ok): ButtonSpec[] {
    const out: ButtonSpec[] = [];
    for (const finding of inv.diagnosis.findings) {
      for (const r of finding.remediations) {
        if (r.action !== 'signal' || r.effective !== 'yes' || !r.pid || r.startTime === undefined || !r.signal) continue;
        const value = signAction(deps.actionSecret, { node: inv.node, pid: r.pid, startTime: r.startTime, comm: r.comm ?? '', signal: r.signal, podUid: inv.pod?.uid, findingId: finding.id }, deps.actionTtlMs ?? 15 * 60_000);
        out.push({ remediation: r, value, finding });
      }
    }
    return out;
  }

  function investigate(t: Target): Promise<Investigation> {
    return t.kind === 'pod' ? investigatePod(deps, t.namespace, t.name) : investigateNode(deps, t.node, { pid: t.pid, focus: t.focus });
  }

  /** Root message (unless already in a thread), then the diagnosis in the thread. */
  async function answer(client: WebClient, channel: string, threadTs: string | undefined, user: string, target: Target): Promise<void> {
    if (target.kind === 'pod') {
      const invalid = validatePodRef(target.namespace, target.name);
      if (invalid) { await client.chat.postEphemeral({ channel, user, text: `I can't look that up: ${invalid}.` }); return; }
    }
    const root = threadTs ?? (await client.chat.postMessage({ channel, text: target.kind === 'pod' ? rootText(target.namespace, target.name) : `Looking into ${describe(target)}…` })).ts!;
    const ctx: ThreadContext = threads.get(key(channel, root)) ?? { channel, ts: root, target, escalated: new Set(), overflow: [] };
    threads.set(key(channel, root), ctx);
    const inv = await investigate(ctx.target);
    ctx.last = inv;
    if (inv.status === 'failed') { await client.chat.postMessage({ channel, thread_ts: root, text: `:warning: ${inv.message}` }); return; }
    await resolveGone(client, ctx, inv);
    const reply = diagnosisBlocks({ pod: inv.pod, node: inv.node, diagnosis: inv.diagnosis, buttons: buttonsFor(inv), threadKey: key(channel, root) });
    ctx.overflow = reply.overflow;
    await client.chat.postMessage({ channel, thread_ts: root, text: reply.text, blocks: reply.blocks as unknown as KnownBlock[] });
  }

  /** A recheck that no longer finds an escalated problem resolves its PagerDuty alert. */
  async function resolveGone(client: WebClient, ctx: ThreadContext, inv: Ok): Promise<void> {
    if (!deps.escalation) return;
    for (const dedupKey of [...ctx.escalated]) {
      if (inv.diagnosis.findings.some((f) => dedupKeyFor(inv.node, inv.pod?.uid ?? '', f.id) === dedupKey)) continue;
      const res = await deps.escalation.resolve(dedupKey);
      if (res.status !== 'ok') continue;
      ctx.escalated.delete(dedupKey);
      await client.chat.postMessage({ channel: ctx.channel, thread_ts: ctx.ts, text: `:white_check_mark: The problem is gone on recheck; PagerDuty alert ${dedupKey} resolved.` });
    }
  }

  async function escalate(client: WebClient, channel: string, threadTs: string | undefined, user: string): Promise<void> {
    const ctx = threadTs ? threads.get(key(channel, threadTs)) : undefined;
    const say = (text: string): Promise<unknown> => (threadTs ? client.chat.postMessage({ channel, thread_ts: threadTs, text }) : client.chat.postEphemeral({ channel, user, text }));
    if (!ctx?.last || ctx.last.status !== 'ok') { await say('Escalate from a diagnosis thread: ask `/whystuck pod NAME -n NAMESPACE` first, then press Escalate there.'); return; }
    if (!deps.escalation) { await say('Escalation is not configured: set PAGERDUTY_ROUTING_KEY (and PAGERDUTY_EVENTS_URL for the EU region).'); return; }
    const inv = ctx.last;
    const top = inv.diagnosis.findings[0];
    let link: string | undefined;
    try { link = (await client.chat.getPermalink({ channel, message_ts: ctx.ts })).permalink; } catch { link = undefined; }
    const dedupKey = dedupKeyFor(inv.node, inv.pod?.uid ?? '', top?.id ?? 'none');
    const res = await deps.escalation.trigger({
      dedupKey,
      summary: `${describe(ctx.target)}${inv.pod ? ` on ${inv.node}` : ''}: ${top?.title ?? inv.diagnosis.summary}`,
      severity: top?.severity === 'critical' ? 'critical' : top?.severity === 'warning' ? 'warning' : 'info',
      source: inv.node,
      details: { summary: inv.diagnosis.summary, findings: inv.diagnosis.findings.map((f) => ({ id: f.id, title: f.title })), escalated_by: user, pod_uid: inv.pod?.uid },
      link,
    });
    if (res.status === 'ok') ctx.escalated.add(dedupKey);
    await say(res.status === 'ok' ? `:rotating_light: <@${user}> escalated to PagerDuty (dedup key \`${dedupKey}\`).` : `:warning: Escalation failed: ${res.message}`);
  }

  async function followUp(intent: Intent, client: WebClient, channel: string, threadTs: string): Promise<boolean> {
    const ctx = threads.get(key(channel, threadTs));
    if (!ctx?.last || ctx.last.status !== 'ok') return false;
    const inv = ctx.last;
    const say = (text: string, blocks?: unknown[]): Promise<unknown> => client.chat.postMessage({ channel, thread_ts: threadTs, text, ...(blocks ? { blocks: blocks as KnownBlock[] } : {}) });
    switch (intent.kind) {
      case 'stack': await say(stackAnswer(inv.evidence, intent.pid)); return true;
      case 'dmesg': await say(dmesgAnswer(inv.evidence)); return true;
      case 'tree': await say(treeAnswer(inv.evidence)); return true;
      case 'kill': {
        const a = killAnswer(inv.diagnosis, inv.evidence, intent.pid, intent.signal ?? 'SIGKILL');
        if (!a.remediation) { await say(a.text); return true; }
        const finding = inv.diagnosis.findings.find((f) => f.id === a.findingId)!;
        const only = { ...inv, diagnosis: { summary: a.text, findings: [{ ...finding, remediations: [a.remediation] }] } };
        const reply = diagnosisBlocks({ pod: inv.pod, node: inv.node, diagnosis: only.diagnosis, buttons: buttonsFor(only), threadKey: key(channel, threadTs) });
        await say(reply.text, reply.blocks);
        return true;
      }
      default: return false;
    }
  }

  async function showMore(client: WebClient, channel: string, threadTs: string): Promise<void> {
    const ctx = threads.get(key(channel, threadTs));
    const text = ctx?.overflow.join('\n\n') ?? '';
    if (!text) { await client.chat.postMessage({ channel, thread_ts: threadTs, text: 'Nothing more to show.' }); return; }
    for (let i = 0; i < text.length && i < 30_000; i += 2800) await client.chat.postMessage({ channel, thread_ts: threadTs, text: `\`\`\`${text.slice(i, i + 2800)}\`\`\`` });
  }

  async function handle(intent: Intent, client: WebClient, channel: string, user: string, threadTs?: string): Promise<void> {
    const log = deps.logger.child({ intent: intent.kind, channel, user });
    try {
      if (threadTs && (await followUp(intent, client, channel, threadTs))) return;
      switch (intent.kind) {
        case 'pod': await answer(client, channel, threadTs, user, { kind: 'pod', namespace: intent.namespace ?? 'default', name: intent.name }); return;
        case 'node': await answer(client, channel, threadTs, user, { kind: 'node', node: intent.node, focus: intent.focus }); return;
        case 'pid': {
          if (!intent.node || !/^\d{1,7}$/.test(intent.pid)) { await client.chat.postEphemeral({ channel, user, text: 'Usage: `/whystuck pid NODE PID` with a numeric PID, e.g. `/whystuck pid node-7 8912`.' }); return; }
          await answer(client, channel, threadTs, user, { kind: 'node', node: intent.node, pid: Number(intent.pid) });
          return;
        }
        case 'recheck': {
          const ctx = threadTs ? threads.get(key(channel, threadTs)) : undefined;
          if (ctx) { await answer(client, channel, ctx.ts, user, ctx.target); return; }
          break;
        }
        case 'sweep': {
          const lines = await sweep(deps);
          const bad = lines.filter((l) => l.status === 'failed' || l.severity);
          const text = lines.length
            ? `*Sweep of ${lines.length} nodes*: ${lines.length - bad.length} with nothing stuck.\n${bad.map((l) => `${l.status === 'failed' ? ':warning:' : l.severity === 'critical' ? ':red_circle:' : ':large_orange_circle:'} *${l.node}*: ${l.summary}`).join('\n')}`
            : 'No collectors are configured (WHYSTUCK_COLLECTORS).';
          await client.chat.postMessage({ channel, ...(threadTs ? { thread_ts: threadTs } : {}), text: clip(text, 39_000) });
          return;
        }
        case 'escalate': await escalate(client, channel, threadTs, user); return;
        case 'help': await client.chat.postEphemeral({ channel, user, text: HELP_TEXT }); return;
        default: break;
      }
      const text = intent.kind === 'unknown'
        ? `I didn't understand "${intent.text.slice(0, 200)}".\n${HELP_TEXT}`
        : `\`${intent.kind}\` is not available in this version yet.\n${HELP_TEXT}`;
      if (threadTs) await client.chat.postMessage({ channel, thread_ts: threadTs, text });
      else await client.chat.postEphemeral({ channel, user, text });
    } catch (err) {
      log.error({ err }, 'answering failed');
    }
  }

  return { threads, handle, answer, escalate, showMore, key };
}

export type Conversation = ReturnType<typeof createConversation>;
