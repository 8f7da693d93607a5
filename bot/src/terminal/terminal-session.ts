import type { Logger } from 'pino';
import type { Store } from '../store/store';
import type { Authoriser, Message, Outbox, Place, Posted } from '../conversation/outbox';
import { mrkdwnToText } from '../render/mrkdwn-to-text';
import { renderReplyText, type TextChoice } from '../render/reply-text';
import type { CollectorPool } from '../nodes/collector-pool';
import type { EscalationTarget } from '../escalation/pagerduty';
import type { Intent } from '../intents/parse-intent';
import type { KubeLookup } from '../kube/pod-lookup';
import { createConversation, type Outcome } from '../conversation/conversation';
import { createRemediation } from '../conversation/remediation';
import type { Scheduler } from '../conversation/scheduler';
import { formatPods, listLocalPods, matchPod } from './local-pods';
import { parseTerminalInput, TERMINAL_HELP } from './parse-terminal-input';
import { localUserAllowed, type TerminalConfig } from './terminal-config';
import type { CollectorClient } from '../../../collector/src';

/** The one "channel" of a terminal chat; each question opens a thread in it. */
export const TERMINAL_CHANNEL = 'terminal';

export interface TerminalSessionDeps {
  config: TerminalConfig;
  /** This machine's collector (for `pods`) — also reachable through `collectors` under config.nodeName. */
  local: CollectorClient;
  collectors: CollectorPool;
  kube: KubeLookup;
  audit: Pick<Store, 'recordIntent' | 'recordResult' | 'auditByToken' | 'listAudit'>;
  logger: Logger;
  /** Shows a piece of output (no trailing newline needed). */
  out(text: string): void;
  actionSecret: string;
  /** false for `--once`: choices are listed by name, nothing can be picked. */
  interactive: boolean;
  escalation?: EscalationTarget;
  scheduler?: Scheduler;
  recheckDelayMs?: number;
}

export interface LineResult {
  outcome: Outcome;
  quit?: boolean;
}

/** How `--once` exits: 0 answered, 1 not found, 2 not understood, 3 unavailable. */
export const EXIT_CODES: Record<Outcome, number> = { answered: 0, 'not-found': 1, 'not-understood': 2, unavailable: 3 };

/** What the terminal showed: a sentence or a rendered reply, in the "channel" or a thread of it. */
interface Shown {
  kind: 'message' | 'ephemeral';
  channel: string;
  ts: string;
  threadTs?: string;
  text: string;
}

interface ShownChoice extends TextChoice {
  messageTs: string;
  threadTs?: string;
}

const FOLLOW_UP_HINT = 'Ask about a pid, a pod or this machine first (e.g. "why is pid 1234 stuck", "what\'s stuck here"); then ask about that answer.';

/**
 * The terminal chat: the conversation (same intents, diagnosis, follow-ups,
 * escalation) and the remediation service (token, authorisation, audit
 * before and after, the collector's pidfd-guarded Remediate, recheck) speak
 * through a terminal outbox that prints what they say; a reply's choices
 * become numbered choices, their confirmation a y/N question.
 */
export function createTerminalSession(deps: TerminalSessionDeps) {
  const { config } = deps;
  const user = config.user;
  const style = { color: config.color, numbered: deps.interactive };

  let currentThread: string | undefined;
  let choices: ShownChoice[] = [];
  let pending: ShownChoice | undefined;
  let seq = 0;
  const waiters: { thread: string; resolve(): void }[] = [];
  const rechecks = new Set<Promise<void>>();

  function show(m: Shown, reply?: { text: string; choices: TextChoice[] }): void {
    if (m.channel === TERMINAL_CHANNEL && !m.threadTs && m.kind === 'message') currentThread = m.ts;
    if (reply) {
      if (reply.choices.length) choices = reply.choices.map((c) => ({ ...c, messageTs: m.ts, threadTs: m.threadTs ?? m.ts }));
      deps.out(reply.text);
    } else {
      const text = mrkdwnToText(m.text, style);
      deps.out(m.threadTs || m.kind === 'ephemeral' ? text : `\n» ${text}`);
    }
    const thread = m.threadTs ?? m.ts;
    for (const w of [...waiters]) {
      if (w.thread === thread) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  /** Timestamps shaped like Slack's and increasing, so threads work the same way. */
  const nextTs = (): string => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;
  const out: Outbox = {
    async post(place: Place, message: Message): Promise<Posted> {
      const ts = nextTs();
      if ('text' in message) {
        show({ kind: 'message', channel: place.channel, ts, threadTs: place.thread, text: message.text });
        return { ts };
      }
      const r = renderReplyText(message.reply, style);
      show({ kind: 'message', channel: place.channel, ts, threadTs: place.thread, text: message.reply.diagnosis.summary }, r);
      return { ts, overflow: r.overflow };
    },
    async whisper(place, _user, text) {
      show({ kind: 'ephemeral', channel: place.channel, ts: nextTs(), threadTs: place.thread, text });
    },
    async link(channel, ts) {
      return `whystuck://${channel}/${ts}`;
    },
  };
  const convo = createConversation({
    kube: deps.kube,
    collectors: deps.collectors,
    logger: deps.logger.child({ component: 'conversation' }),
    actionSecret: deps.actionSecret,
    escalation: deps.escalation,
    scheduler: deps.scheduler,
  });
  // Local users: WHYSTUCK_LOCAL_REMEDIATORS, by default the user running whystuck.
  const authoriser: Authoriser = {
    mayRemediate: async (u) => u === user && localUserAllowed(config),
    refusal: (u) =>
      `✗ Refused: ${u.replace(/^local:/, '')} may not send signals here (allowed: ${config.remediators.join(', ') || 'nobody'}, from ${config.remediatorsFrom === 'default' ? 'the default: the user running whystuck' : 'WHYSTUCK_LOCAL_REMEDIATORS'}). Ask someone who may, or choose Escalate.`,
  };
  const remediation = createRemediation({
    audit: deps.audit,
    collectors: deps.collectors,
    actionSecret: deps.actionSecret,
    authoriser,
    requesterPrefix: 'local',
    logger: deps.logger.child({ component: 'remediation' }),
    recheckDelayMs: deps.recheckDelayMs,
    onActing: (channel, threadTs) => convo.acting(channel, threadTs),
    async recheck(o, channel, threadTs) {
      const ctx = convo.threads.get(convo.key(channel, threadTs));
      if (ctx) await convo.answer(o, channel, ctx.ts, user, ctx.target);
    },
  });

  /** After a signal the handler rechecks later: `idle()` waits for its answer in the thread (bounded). */
  function expectRecheck(thread: string): void {
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, (deps.recheckDelayMs ?? 2000) + 30_000);
      timer.unref();
      waiters.push({
        thread,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
    rechecks.add(done);
    void done.then(() => rechecks.delete(done));
  }

  /**
   * Without a Kubernetes API a pod is a UID (or unique prefix) found in this
   * machine's cgroups, in namespace "local"; the thread keeps the full UID so
   * a recheck after the pod's processes are gone says so.
   */
  async function localPod(intent: Extract<Intent, { kind: 'pod' }>): Promise<Intent> {
    const listed = await listLocalPods(deps.local);
    const m = listed.status === 'ok' ? matchPod(listed.pods, intent.name, config.nodeName) : undefined;
    return { ...intent, namespace: 'local', name: m?.status === 'ok' ? m.pod.pod_uid : intent.name };
  }

  async function ask(intent: Intent): Promise<Outcome> {
    switch (intent.kind) {
      case 'help':
        deps.out(TERMINAL_HELP);
        return 'answered';
      case 'unknown':
        deps.out(`I didn't understand "${intent.text.slice(0, 200)}".\n${TERMINAL_HELP}`);
        return 'not-understood';
      case 'analyze':
        deps.out('For pasted logs, ps, top or stacks use `whystuck analyze FILE` (or `… | whystuck analyze -`): same engine, same findings.');
        return 'answered';
      case 'pod':
      case 'node':
      case 'pid':
      case 'sweep':
        return convo.handle(intent.kind === 'pod' && !config.kube ? await localPod(intent) : intent, out, TERMINAL_CHANNEL, user, undefined);
      default:
        if (!currentThread) {
          deps.out(FOLLOW_UP_HINT);
          return 'not-understood';
        }
        return convo.handle(intent, out, TERMINAL_CHANNEL, user, currentThread);
    }
  }

  async function choose(n: number): Promise<Outcome> {
    const choice = choices.find((c) => c.number === n);
    if (!choice) {
      deps.out(choices.length ? `There is no choice ${n}: pick 1 to ${choices.length}.` : 'There is nothing to choose yet: ask a question first.');
      return 'not-understood';
    }
    if (choice.action === 'remediate' && !localUserAllowed(config)) {
      deps.out(
        `✗ Refused: ${user.replace(/^local:/, '')} may not send signals here (allowed: ${config.remediators.join(', ') || 'nobody'}, from ${config.remediatorsFrom === 'default' ? 'the default: the user running whystuck' : 'WHYSTUCK_LOCAL_REMEDIATORS'}). Ask someone who may, or choose Escalate.`,
      );
      return 'answered';
    }
    if (choice.confirm) {
      deps.out(choice.confirm.text);
      pending = choice;
      return 'answered';
    }
    return run(choice);
  }

  async function run(choice: ShownChoice): Promise<Outcome> {
    const thread = choice.threadTs ?? choice.messageTs;
    if (choice.action === 'remediate') {
      const done = await remediation.remediate(out, { user, channel: TERMINAL_CHANNEL, thread }, choice.value);
      if (done === 'answered' || done === 'unknown') expectRecheck(thread);
      return 'answered';
    }
    const [channel, ts] = choice.value.split(':') as [string, string];
    switch (choice.action) {
      case 'recheck': {
        const ctx = convo.threads.get(convo.key(channel, ts));
        return ctx ? convo.answer(out, channel, ctx.ts, user, ctx.target) : 'answered';
      }
      case 'escalate':
        return convo.escalate(out, channel, ts, user);
      case 'show_more':
        await convo.showMore(out, channel, ts);
        return 'answered';
      default:
        deps.out(`Choice ${choice.number} (${choice.label}) does nothing here.`);
        return 'not-understood';
    }
  }

  async function showAudit(): Promise<void> {
    const rows = await deps.audit.listAudit(10);
    deps.out(
      rows.length
        ? `Last remediations (audit log ${config.db}):\n${rows.map((r) => `  #${r.id} ${r.at} ${r.user} ${r.signal} ${r.pid} (${r.comm}) on ${r.node}: ${r.outcome ?? 'no result recorded'}${r.message ? ` — ${r.message}` : ''}`).join('\n')}`
        : `No remediations in the audit log (${config.db}).`,
    );
  }

  async function handleLine(line: string): Promise<LineResult> {
    if (pending) {
      const choice = pending;
      pending = undefined;
      if (!/^(y|yes)$/i.test(line.trim())) {
        deps.out('Cancelled: nothing was sent.');
        return { outcome: 'answered' };
      }
      return { outcome: await run(choice) };
    }
    const input = parseTerminalInput(line, config.nodeName);
    let outcome: Outcome;
    switch (input.kind) {
      case 'empty':
        return { outcome: 'answered' };
      case 'quit':
        return { outcome: 'answered', quit: true };
      case 'help':
        deps.out(TERMINAL_HELP);
        return { outcome: 'answered' };
      case 'audit':
        await showAudit();
        return { outcome: 'answered' };
      case 'pods': {
        const listed = await listLocalPods(deps.local);
        deps.out(listed.status === 'ok' ? formatPods(listed.pods, config.nodeName) : `⚠ ${listed.message}`);
        return { outcome: listed.status === 'ok' ? 'answered' : 'unavailable' };
      }
      case 'choice':
        if (!deps.interactive) {
          deps.out('Choices can be picked only in the interactive chat (npm start).');
          return { outcome: 'not-understood' };
        }
        outcome = await choose(input.number);
        break;
      case 'intent':
        outcome = await ask(input.intent);
        break;
    }
    return { outcome };
  }

  return {
    handleLine,
    /** The prompt: a pending confirmation asks its question. */
    prompt: (): string => pending?.confirm?.question ?? 'whystuck> ',
    /** Resolves when no recheck after a signal is still due. */
    async idle(): Promise<void> {
      await Promise.all([...rechecks]);
    },
    close(): void {
      convo.close();
    },
  };
}

export type TerminalSession = ReturnType<typeof createTerminalSession>;
