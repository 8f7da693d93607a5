import type { Logger } from 'pino';
import type { Store } from '../store/store';
import { createActionRegistry } from '../chat/action-registry';
import { renderBlocks, renderConfirm, type Choice } from '../chat/blocks-to-text';
import { createChatClient, type PostedMessage } from '../chat/chat-client';
import { mrkdwnToText } from '../chat/mrkdwn-to-text';
import type { CollectorPool } from '../nodes/collector-pool';
import type { EscalationTarget } from '../escalation/pagerduty';
import type { Intent } from '../intents/parse-intent';
import type { KubeLookup } from '../kube/pod-lookup';
import { createConversation } from '../slack/conversation';
import { registerRemediation } from '../slack/remediate-action';
import type { Scheduler } from '../slack/scheduler';
import { formatPods, listLocalPods, matchPod } from './local-pods';
import { createOutcomeRecorder, type Outcome } from './outcome-recorder';
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

export interface LineResult { outcome: Outcome; quit?: boolean }

interface ShownChoice extends Choice { messageTs: string; threadTs?: string }

const FOLLOW_UP_HINT = 'Ask about a pid, a pod or this machine first (e.g. "why is pid 1234 stuck", "what\'s stuck here"); then ask about that answer.';

/**
 * The terminal chat: the Slack conversation (same intents, diagnosis,
 * follow-ups, escalation) and the Slack remediation handler (token,
 * authorisation, audit before and after, the collector's pidfd-guarded
 * Remediate, recheck) run unchanged against a Web API stand-in that prints
 * what they post; buttons become numbered choices, confirm dialogs a y/N question.
 */
export function createTerminalSession(deps: TerminalSessionDeps) {
  const { config } = deps;
  const user = config.user;
  const style = { color: config.color, numbered: deps.interactive };
  const recorder = createOutcomeRecorder(deps.collectors, deps.kube);

  let currentThread: string | undefined;
  let choices: ShownChoice[] = [];
  let pending: ShownChoice | undefined;
  let posted: PostedMessage[] = [];
  const waiters: { thread: string; resolve(): void }[] = [];
  const rechecks = new Set<Promise<void>>();

  function show(m: PostedMessage): void {
    posted.push(m);
    if (m.channel === TERMINAL_CHANNEL && !m.threadTs && m.kind === 'message') currentThread = m.ts;
    if (m.blocks?.length) {
      const r = renderBlocks(m.blocks, style);
      if (r.choices.length) choices = r.choices.map((c) => ({ ...c, messageTs: m.ts, threadTs: m.threadTs ?? m.ts }));
      deps.out(r.text);
    } else {
      const text = mrkdwnToText(m.text, style);
      deps.out(m.threadTs || m.kind === 'ephemeral' ? text : `\n» ${text}`);
    }
    const thread = m.threadTs ?? m.ts;
    for (const w of [...waiters]) {
      if (w.thread === thread) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
    }
  }

  const client = createChatClient(show);
  const convo = createConversation({
    kube: recorder.kube, collectors: recorder.collectors, logger: deps.logger.child({ component: 'conversation' }),
    actionSecret: deps.actionSecret, escalation: deps.escalation, scheduler: deps.scheduler,
  });
  const actions = createActionRegistry();
  registerRemediation(actions.app, {
    audit: deps.audit, collectors: recorder.collectors, actionSecret: deps.actionSecret,
    remediators: localUserAllowed(config) ? [user] : [],
    logger: deps.logger.child({ component: 'remediation' }), recheckDelayMs: deps.recheckDelayMs,
    onActing: (channel, threadTs) => convo.acting(channel, threadTs),
    async recheck(c, channel, threadTs) {
      const ctx = convo.threads.get(convo.key(channel, threadTs));
      if (ctx) await convo.answer(c, channel, ctx.ts, user, ctx.target);
    },
  });

  /** After a signal the handler rechecks later: `idle()` waits for its answer in the thread (bounded). */
  function expectRecheck(thread: string): void {
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, (deps.recheckDelayMs ?? 2000) + 30_000);
      timer.unref();
      waiters.push({ thread, resolve: () => { clearTimeout(timer); resolve(); } });
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
      case 'help': deps.out(TERMINAL_HELP); return 'answered';
      case 'unknown': deps.out(`I didn't understand "${intent.text.slice(0, 200)}".\n${TERMINAL_HELP}`); return 'not-understood';
      case 'analyze': deps.out('For pasted logs, ps, top or stacks use `whystuck analyze FILE` (or `… | whystuck analyze -`): same engine, same findings.'); return 'answered';
      case 'pod': case 'node': case 'pid': case 'sweep': {
        await convo.handle(intent.kind === 'pod' && !config.kube ? await localPod(intent) : intent, client, TERMINAL_CHANNEL, user, undefined);
        return 'answered';
      }
      default:
        if (!currentThread) { deps.out(FOLLOW_UP_HINT); return 'not-understood'; }
        await convo.handle(intent, client, TERMINAL_CHANNEL, user, currentThread);
        return 'answered';
    }
  }

  async function choose(n: number): Promise<Outcome> {
    const choice = choices.find((c) => c.number === n);
    if (!choice) {
      deps.out(choices.length ? `There is no choice ${n}: pick 1 to ${choices.length}.` : 'There is nothing to choose yet: ask a question first.');
      return 'not-understood';
    }
    if (choice.actionId.startsWith('remediate_') && !localUserAllowed(config)) {
      deps.out(`✗ Refused: ${user.replace(/^local:/, '')} may not send signals here (allowed: ${config.remediators.join(', ') || 'nobody'}, from ${config.remediatorsFrom === 'default' ? 'the default: the user running whystuck' : 'WHYSTUCK_LOCAL_REMEDIATORS'}). Ask someone who may, or choose Escalate.`);
      return 'answered';
    }
    if (choice.confirm) {
      const c = renderConfirm(choice.confirm, style);
      deps.out(c.text);
      pending = choice;
      return 'answered';
    }
    return run(choice);
  }

  async function run(choice: ShownChoice): Promise<Outcome> {
    const thread = choice.threadTs ?? choice.messageTs;
    if (choice.actionId.startsWith('remediate_')) {
      const mark = posted.length;
      await actions.dispatch(choice.actionId, choice.value, { user, channel: TERMINAL_CHANNEL, messageTs: choice.messageTs, threadTs: choice.threadTs }, client);
      if (posted.slice(mark).some((m) => /Rechecking…/.test(m.text))) expectRecheck(thread);
      return 'answered';
    }
    const [channel, ts] = choice.value.split(':') as [string, string];
    switch (choice.actionId) {
      case 'recheck': {
        const ctx = convo.threads.get(convo.key(channel, ts));
        if (ctx) await convo.answer(client, channel, ctx.ts, user, ctx.target);
        return 'answered';
      }
      case 'escalate': await convo.escalate(client, channel, ts, user); return 'answered';
      case 'show_more': await convo.showMore(client, channel, ts); return 'answered';
      default: deps.out(`Choice ${choice.number} (${choice.label}) does nothing here.`); return 'not-understood';
    }
  }

  async function showAudit(): Promise<void> {
    const rows = await deps.audit.listAudit(10);
    deps.out(rows.length
      ? `Last remediations (audit log ${config.db}):\n${rows.map((r) => `  #${r.id} ${r.at} ${r.user} ${r.signal} ${r.pid} (${r.comm}) on ${r.node}: ${r.outcome ?? 'no result recorded'}${r.message ? ` — ${r.message}` : ''}`).join('\n')}`
      : `No remediations in the audit log (${config.db}).`);
  }

  async function handleLine(line: string): Promise<LineResult> {
    recorder.reset();
    posted = [];
    if (pending) {
      const choice = pending;
      pending = undefined;
      if (!/^(y|yes)$/i.test(line.trim())) { deps.out('Cancelled: nothing was sent.'); return { outcome: 'answered' }; }
      return { outcome: await run(choice) };
    }
    const input = parseTerminalInput(line, config.nodeName);
    let outcome: Outcome;
    switch (input.kind) {
      case 'empty': return { outcome: 'answered' };
      case 'quit': return { outcome: 'answered', quit: true };
      case 'help': deps.out(TERMINAL_HELP); return { outcome: 'answered' };
      case 'audit': await showAudit(); return { outcome: 'answered' };
      case 'pods': {
        const listed = await listLocalPods(deps.local);
        deps.out(listed.status === 'ok' ? formatPods(listed.pods, config.nodeName) : `⚠ ${listed.message}`);
        return { outcome: listed.status === 'ok' ? 'answered' : 'unavailable' };
      }
      case 'choice':
        if (!deps.interactive) { deps.out('Choices can be picked only in the interactive chat (npm start).'); return { outcome: 'not-understood' }; }
        outcome = await choose(input.number);
        break;
      case 'intent':
        outcome = await ask(input.intent);
        break;
    }
    if (outcome !== 'answered') return { outcome };
    // A diagnosis posted means answered; a warning instead of one is explained by what failed underneath.
    if (posted.some((m) => m.blocks?.length)) return { outcome: 'answered' };
    const failure = recorder.failure();
    if (failure) return { outcome: failure };
    if (posted.some((m) => /^I can't look that up/.test(m.text))) return { outcome: 'not-understood' };
    return { outcome: posted.some((m) => /^:warning:/.test(m.text)) ? 'not-found' : 'answered' };
  }

  return {
    handleLine,
    /** The prompt: a pending confirmation asks its question. */
    prompt: (): string => (pending?.confirm ? renderConfirm(pending.confirm, style).question : 'whystuck> '),
    /** Resolves when no recheck after a signal is still due. */
    async idle(): Promise<void> { await Promise.all([...rechecks]); },
    close(): void { convo.close(); },
  };
}

export type TerminalSession = ReturnType<typeof createTerminalSession>;
