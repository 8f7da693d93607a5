import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { CollectorPool } from '../nodes/collector-pool';
import type { SshFallback } from '../nodes/ssh-fallback';
import type { EscalationTarget } from '../escalation/pagerduty';
import { HELP_TEXT, type Intent } from '../intents/parse-intent';
import { validatePodRef, type KubeLookup } from '../kube/pod-lookup';
import { signAction } from './action-token';
import { DEFAULT_PROTECTED_NAMESPACES } from './remediation';
import type { PasteAnalysis } from './analyze-paste';
import { clip, formatBytes } from './markup';
import type { DiagnosisReply, Outbox, RemediationChoice } from './outbox';
import { createThreadEscalation } from './escalate-thread';
import { investigateNode, sweep } from './investigate-node';
import { investigatePod, type Investigation } from './investigate-pod';
import type { NodePath } from '../nodes/node-access';
import type { Store } from '../store/store';
import { timerScheduler, type Scheduler } from './scheduler';
import { describeTarget, threadKey as key, type OkInvestigation, type Target, type ThreadContext } from './thread-context';
import { dmesgAnswer, historyAnswer, killAnswer, stackAnswer, treeAnswer } from './thread-followups';
import { layerAnswer } from './layer-followups';
import { threadFromRecord, threadToRecord } from './thread-record';

export type { Target, ThreadContext } from './thread-context';

export interface ConversationDeps {
  kube: KubeLookup;
  collectors: CollectorPool;
  logger: Logger;
  actionSecret: string;
  actionTtlMs?: number;
  escalation?: EscalationTarget;
  /** Channel id -> on-call user group (S…) mentioned on escalation. */
  oncallGroups?: Map<string, string>;
  autoEscalateMinutes?: number;
  /** Runs auto-escalation timers (tests fire them by hand). */
  scheduler?: Scheduler;
  /** For the "paste or upload here" hint. */
  pasteMaxBytes?: number;
  /**
   * Reading nodes over SSH when their collector cannot be reached. Absent:
   * collector failures are said as they are; disabled: with how to enable it.
   */
  ssh?: SshFallback;
  /**
   * Thread context shared by the replicas (the store): a follow-up answered
   * by another replica finds the thread. Absent: this process's memory only.
   */
  store?: Pick<Store, 'saveThread' | 'loadThread'>;
  /** Metrics hooks: a question asked (its intent, or "paste"), a diagnosis posted, an escalation. */
  onQuestion?(kind: string): void;
  onDiagnosis?(inv: OkInvestigation): void;
  onEscalation?(how: 'button' | 'auto', result: 'ok' | 'failed'): void;
  /** Pods in these namespaces get no remediation button (default kube-system and whystuck). */
  protectedNamespaces?: string[];
  /** Who may page PagerDuty from a paste's diagnosis (Slack: remediators and the channel's on-call group); absent = anyone. */
  mayPageFromPaste?(user: string, channel: string): Promise<boolean>;
}

const PASTE_HINT = 'Paste the text (dmesg, journalctl -k, ps, top, /proc/PID/stack|stat|status, a sysrq-w dump or a crash bt) or upload it as a file in this thread, and I will analyse it.';

/** Everything the bot says, independent of how Slack delivered the question. */
export function createConversation(deps: ConversationDeps) {
  /** The sweep running now, which a second ask joins. */
  let sweeping: ReturnType<typeof sweep> | undefined;
  /** This replica's copy of each thread (and its auto-escalation timer); the store has the truth. */
  const threads = new Map<string, ThreadContext>();
  /** What each cached thread was last saved or loaded as: unchanged in the store means the copy is current. */
  const savedAs = new WeakMap<ThreadContext, string>();
  const escalation = createThreadEscalation({
    pagerduty: deps.escalation,
    oncallGroups: deps.oncallGroups ?? new Map(),
    autoEscalateMinutes: deps.autoEscalateMinutes,
    scheduler: deps.scheduler ?? timerScheduler,
    logger: deps.logger,
    onEscalation: deps.onEscalation,
    mayPageFromPaste: deps.mayPageFromPaste,
  });

  /**
   * Signed buttons for remediations that work, on live evidence only: a paste
   * never names a process to signal; nor for a pod in a protected namespace
   * (kube-system, whystuck's own: WHYSTUCK_PROTECTED_NAMESPACES).
   */
  function buttonsFor(inv: OkInvestigation): RemediationChoice[] {
    const out: RemediationChoice[] = [];
    if (inv.evidence.source !== 'snapshot') return out;
    if (inv.pod && (deps.protectedNamespaces ?? DEFAULT_PROTECTED_NAMESPACES).includes(inv.pod.namespace)) return out;
    for (const finding of inv.diagnosis.findings) {
      for (const r of finding.remediations) {
        if (r.action !== 'signal' || r.effective !== 'yes' || !r.pid || r.startTime === undefined || !r.signal || r.signal === 'SIGCHLD') continue;
        const via = inv.source?.path === 'ssh' ? { via: 'ssh' as const } : {};
        const value = signAction(
          deps.actionSecret,
          { node: inv.node, pid: r.pid, startTime: r.startTime, comm: r.comm ?? '', signal: r.signal, podUid: inv.pod?.uid, podNamespace: inv.pod?.namespace, findingId: finding.id, ...via },
          deps.actionTtlMs ?? 15 * 60_000,
        );
        out.push({ remediation: r, value, finding });
      }
    }
    return out;
  }

  /** `via: 'ssh'`: straight over SSH (the recheck after a signal sent that way). */
  function investigate(t: Target, via?: NodePath): Promise<Investigation> {
    if (t.kind === 'paste')
      return Promise.resolve({ status: 'failed', stage: 'input', message: 'a paste cannot be rechecked: paste fresh output in this thread, or ask `/whystuck pod NAME -n NAMESPACE` for a live look' });
    return t.kind === 'pod' ? investigatePod(deps, t.namespace, t.name, { via }) : investigateNode(deps, t.node, { pid: t.pid, focus: t.focus, via });
  }

  /** A thread's context: from the store when another replica changed it since this one last saw it. */
  async function thread(channel: string, ts: string): Promise<ThreadContext | undefined> {
    const cached = threads.get(key(channel, ts));
    if (!deps.store) return cached;
    let rec;
    try {
      rec = await deps.store.loadThread(channel, ts);
    } catch (err) {
      deps.logger.error({ err }, "reading the thread from the store failed; using this replica's copy");
      return cached;
    }
    if (!rec || (cached && savedAs.get(cached) === rec.data)) return cached;
    const loaded = threadFromRecord(rec);
    if (!loaded) return cached;
    const ctx = cached ? Object.assign(cached, { ...loaded, autoEscalation: cached.autoEscalation }) : loaded;
    savedAs.set(ctx, rec.data);
    threads.set(key(channel, ts), ctx);
    return ctx;
  }

  /** Writes the thread for the other replicas; a store failure is logged, the answer still goes out. */
  async function persist(ctx: ThreadContext): Promise<void> {
    if (!deps.store) return;
    const rec = threadToRecord(ctx);
    try {
      await deps.store.saveThread(rec);
      savedAs.set(ctx, rec.data);
    } catch (err) {
      deps.logger.error({ err }, 'saving the thread to the store failed: other replicas will not know it');
    }
  }

  /** `fresh`: a root message just posted, which no other replica can know yet. */
  async function contextFor(channel: string, root: string, target: Target, fresh = false): Promise<ThreadContext> {
    const known = fresh ? undefined : await thread(channel, root);
    const ctx: ThreadContext = known ?? { channel, ts: root, target, escalated: new Set(), overflow: [] };
    threads.set(key(channel, root), ctx);
    return ctx;
  }

  /**
   * The diagnosis reply in the thread. Live evidence also resolves alerts no
   * longer found and arms or calls off auto-escalation; a paste does neither.
   */
  async function postDiagnosis(out: Outbox, ctx: ThreadContext, inv: OkInvestigation, where?: string): Promise<void> {
    deps.onDiagnosis?.(inv);
    const live = inv.evidence.source === 'snapshot';
    // An answer from the Kubernetes API alone (the node could not be read) says nothing of the kernel's findings: it resolves none and calls no timer off.
    const nodeRead = live && inv.source !== undefined;
    if (nodeRead) await escalation.resolveGone(out, ctx, inv);
    const note = nodeRead ? escalation.armAuto(ctx, inv, (armedBy) => autoEscalate(out, ctx, armedBy)) : undefined;
    const reply: DiagnosisReply = {
      pod: inv.pod,
      node: inv.node,
      diagnosis: inv.diagnosis,
      choices: buttonsFor(inv),
      threadKey: key(ctx.channel, ctx.ts),
      where,
      note,
      recheck: ctx.target.kind !== 'paste',
      source: inv.source,
      unread: live ? inv.evidence.kube?.unread : undefined,
    };
    ctx.overflow = [];
    await persist(ctx); // before the reply: a follow-up to it may reach another replica
    const posted = await out.post({ channel: ctx.channel, thread: ctx.ts }, { reply });
    if (posted.overflow?.length) {
      ctx.overflow = posted.overflow;
      await persist(ctx);
    }
  }

  async function autoEscalate(out: Outbox, ctx: ThreadContext, armedBy: OkInvestigation): Promise<void> {
    // Someone may have acted or escalated through another replica meanwhile.
    const now = (await thread(ctx.channel, ctx.ts)) ?? ctx;
    if (now.acted || now.escalatedOnce) return;
    const fresh = await investigate(now.target);
    if (fresh.status === 'ok') now.last = fresh;
    await escalation.autoEscalate(out, now, fresh.status === 'ok' ? fresh : { message: fresh.message }, armedBy);
    await persist(now);
  }

  /** A sentence in the thread, or for the user alone when there is no thread. */
  const reply = (out: Outbox, channel: string, threadTs: string | undefined, user: string, text: string): Promise<unknown> =>
    threadTs ? out.post({ channel, thread: threadTs }, { text }) : out.whisper({ channel }, user, text);

  /** Root message (unless already in a thread), then the diagnosis in the thread. */
  async function answer(out: Outbox, channel: string, threadTs: string | undefined, user: string, target: Target, opts: { via?: NodePath } = {}): Promise<Outcome> {
    if (target.kind === 'pod') {
      const invalid = validatePodRef(target.namespace, target.name);
      if (invalid) {
        await out.whisper({ channel }, user, `I can't look that up: ${invalid}.`);
        return 'not-understood';
      }
    }
    const root = threadTs ?? (await out.post({ channel }, { text: target.kind === 'pod' ? rootText(target.namespace, target.name) : `Looking into ${describeTarget(target)}…` })).ts;
    try {
      return await answerIn(out, channel, root, target, threadTs === undefined, opts.via);
    } catch (err) {
      // "Looking into…" must not be followed by silence: say it failed, with a reference to find it in the log.
      await out.post({ channel, thread: root }, { text: failureText(err, deps.logger, `looking into ${describeTarget(target)}`) });
      return 'unavailable';
    }
  }

  async function answerIn(out: Outbox, channel: string, root: string, target: Target, fresh: boolean, via: NodePath | undefined): Promise<Outcome> {
    const ctx = await contextFor(channel, root, target, fresh);
    const inv = await investigate(ctx.target, via);
    if (inv.status === 'failed') {
      if (ctx.target.kind !== 'paste') ctx.last = inv;
      await persist(ctx);
      await out.post({ channel, thread: root }, { text: `:warning: ${inv.message}${inv.hint ? `\n${inv.hint}` : ''}` });
      return failedOutcome(inv);
    }
    ctx.last = inv;
    await postDiagnosis(out, ctx, inv);
    return 'answered';
  }

  /**
   * A paste (modal, message or file) analysed: in its thread when it came in
   * one, else under a new root message in the channel.
   */
  async function answerPaste(out: Outbox, channel: string, threadTs: string | undefined, user: string, analysis: PasteAnalysis): Promise<Outcome> {
    deps.onQuestion?.('paste');
    if (analysis.status !== 'ok') {
      await reply(out, channel, threadTs, user, `:warning: I could not analyse that: ${analysis.message}.`);
      return 'not-understood';
    }
    const root = threadTs ?? (await out.post({ channel }, { text: `Analysing a paste from <@${user}>…` })).ts;
    const ctx = await contextFor(channel, root, { kind: 'paste' }, threadTs === undefined);
    // A live thread keeps its live evidence for follow-ups and Recheck; a paste thread follows its latest paste.
    if (ctx.target.kind === 'paste') ctx.last = analysis.investigation;
    await postDiagnosis(out, ctx, analysis.investigation, `pasted by <@${user}> · ${analysis.read}`);
    return 'answered';
  }

  async function escalate(out: Outbox, channel: string, threadTs: string | undefined, user: string): Promise<Outcome> {
    const ctx = threadTs ? await thread(channel, threadTs) : undefined;
    if (!ctx?.last || ctx.last.status !== 'ok') {
      await reply(out, channel, threadTs, user, 'Escalate from a diagnosis thread: ask `/whystuck pod NAME -n NAMESPACE` first, then press Escalate there.');
      return 'not-understood';
    }
    // A paste's diagnosis pages only for remediators and on-call (escalateBy); a refusal is said, and changes nothing.
    if (await escalation.escalateBy(out, ctx, ctx.last, user)) await persist(ctx);
    return 'answered';
  }

  /** Someone is acting on the thread (an authorised remediation): no automatic escalation. */
  async function acting(channel: string, threadTs: string): Promise<void> {
    const ctx = await thread(channel, threadTs);
    if (!ctx) return;
    escalation.cancelAuto(ctx);
    ctx.acted = true;
    await persist(ctx);
  }

  async function followUp(intent: Intent, out: Outbox, channel: string, threadTs: string): Promise<boolean> {
    const ctx = await thread(channel, threadTs);
    if (!ctx?.last || ctx.last.status !== 'ok') return false;
    const inv = ctx.last;
    const say = (text: string): Promise<unknown> => out.post({ channel, thread: threadTs }, { text });
    switch (intent.kind) {
      case 'stack':
        await say(stackAnswer(inv.evidence, intent.pid));
        return true;
      case 'dmesg':
        await say(dmesgAnswer(inv.evidence));
        return true;
      case 'tree':
        await say(treeAnswer(inv.evidence));
        return true;
      case 'history':
        await say(historyAnswer(inv.diagnosis, intent, (ms, text) => `<!date^${Math.floor(ms / 1000)}^{time}|${text}>`));
        return true;
      case 'layer':
        await say(layerAnswer(inv.evidence, intent.what, inv.pod && { uid: inv.pod.uid, name: inv.pod.name, namespace: inv.pod.namespace }));
        return true;
      case 'kill': {
        const a = killAnswer(inv.diagnosis, inv.evidence, intent.pid, intent.signal ?? 'SIGKILL');
        if (!a.remediation) {
          await say(a.text);
          return true;
        }
        const finding = inv.diagnosis.findings.find((f) => f.id === a.findingId)!;
        const only = { ...inv, diagnosis: { summary: a.text, findings: [{ ...finding, remediations: [a.remediation] }] } };
        await out.post(
          { channel, thread: threadTs },
          {
            reply: { pod: inv.pod, node: inv.node, diagnosis: only.diagnosis, choices: buttonsFor(only), threadKey: key(channel, threadTs), recheck: ctx.target.kind !== 'paste', source: inv.source },
          },
        );
        return true;
      }
      default:
        return false;
    }
  }

  async function showMore(out: Outbox, channel: string, threadTs: string): Promise<void> {
    const ctx = await thread(channel, threadTs);
    const text = ctx?.overflow.join('\n\n') ?? '';
    if (!text) {
      await out.post({ channel, thread: threadTs }, { text: 'Nothing more to show.' });
      return;
    }
    for (let i = 0; i < text.length && i < 30_000; i += 2800) await out.post({ channel, thread: threadTs }, { text: `\`\`\`${text.slice(i, i + 2800)}\`\`\`` });
  }

  /** "analyze" without a dialog (a mention): this thread becomes a paste thread. */
  async function analyzeHere(out: Outbox, channel: string, threadTs: string): Promise<void> {
    await persist(await contextFor(channel, threadTs, { kind: 'paste' }));
    const limit = deps.pasteMaxBytes ? ` (files up to ${formatBytes(deps.pasteMaxBytes)})` : '';
    await out.post({ channel, thread: threadTs }, { text: `${PASTE_HINT}${limit} Or use \`/whystuck analyze\` for a paste dialog.` });
  }

  /** One question or follow-up, answered through `out`; resolves to how it ended (the terminal's exit code). */
  async function handle(intent: Intent, out: Outbox, channel: string, user: string, threadTs?: string): Promise<Outcome> {
    const log = deps.logger.child({ intent: intent.kind, channel, user });
    deps.onQuestion?.(intent.kind);
    try {
      if (threadTs && (await followUp(intent, out, channel, threadTs))) return 'answered';
      switch (intent.kind) {
        case 'pod':
          return await answer(out, channel, threadTs, user, { kind: 'pod', namespace: intent.namespace ?? 'default', name: intent.name });
        case 'node':
          return await answer(out, channel, threadTs, user, { kind: 'node', node: intent.node, focus: intent.focus });
        case 'pid': {
          if (!intent.node || !/^\d{1,7}$/.test(intent.pid)) {
            await out.whisper({ channel }, user, 'Usage: `/whystuck pid NODE PID` with a numeric PID, e.g. `/whystuck pid node-7 8912`.');
            return 'not-understood';
          }
          return await answer(out, channel, threadTs, user, { kind: 'node', node: intent.node, pid: Number(intent.pid) });
        }
        case 'recheck': {
          const ctx = threadTs ? await thread(channel, threadTs) : undefined;
          if (ctx) return await answer(out, channel, ctx.ts, user, ctx.target);
          break;
        }
        case 'sweep': {
          // One sweep at a time: a second ask while one runs gets the same answer, not a second round of every node.
          sweeping ??= sweep(deps).finally(() => {
            sweeping = undefined;
          });
          const { lines, problems } = await sweeping;
          const bad = lines.filter((l) => l.status === 'failed' || l.severity);
          const text = lines.length
            ? `*Sweep of ${lines.length} node${lines.length === 1 ? '' : 's'}*: ${lines.length - bad.length} with nothing stuck.\n${bad.map((l) => `${l.status === 'failed' ? ':warning:' : l.severity === 'critical' ? ':red_circle:' : ':large_orange_circle:'} *${l.node}*: ${l.summary}`).join('\n')}`
            : 'No collectors are configured (WHYSTUCK_COLLECTORS) or found through Kubernetes.';
          const also = problems.map((p) => `\n:warning: ${p}`).join('');
          await out.post({ channel, thread: threadTs }, { text: clip(text + also, 39_000) });
          return lines.length && lines.every((l) => l.status === 'failed') ? 'unavailable' : 'answered';
        }
        case 'escalate':
          return await escalate(out, channel, threadTs, user);
        case 'analyze':
          if (threadTs) {
            await analyzeHere(out, channel, threadTs);
            return 'answered';
          }
          break;
        case 'help':
          await out.whisper({ channel }, user, HELP_TEXT);
          return 'answered';
        default:
          break;
      }
      const text = intent.kind === 'unknown' ? `I didn't understand "${intent.text.slice(0, 200)}".\n${HELP_TEXT}` : `\`${intent.kind}\` is not available here.\n${HELP_TEXT}`;
      await reply(out, channel, threadTs, user, text);
      return 'not-understood';
    } catch (err) {
      const text = failureText(err, log, 'answering');
      try {
        await reply(out, channel, threadTs, user, text);
      } catch (postErr) {
        log.error({ err: postErr }, 'telling the user that answering failed failed too');
      }
      return 'unavailable';
    }
  }

  return {
    threads,
    thread,
    handle,
    answer,
    answerPaste,
    escalate,
    acting,
    showMore,
    key,
    /** Shutdown: pending auto-escalations are dropped. */
    close: () => escalation.cancelAll(),
  };
}

export type Conversation = ReturnType<typeof createConversation>;

/**
 * How a question ended: answered (a diagnosis, or an answer), not found (the
 * pod, node or pid does not exist there), not understood (the question or
 * its input), unavailable (what had to be read could not be: the Kubernetes
 * API, the node). The terminal's `--once` exit code is made of it.
 */
export type Outcome = 'answered' | 'not-found' | 'not-understood' | 'unavailable';

/** A failed investigation's outcome: the node or the API unreachable, or what was asked for not there. */
export function failedOutcome(inv: Extract<Investigation, { status: 'failed' }>): Outcome {
  if (inv.stage === 'collector' || inv.unavailable) return 'unavailable';
  return 'not-found';
}

/** "Looking into shop/web-0…": the thread's root message for a pod question. */
export function rootText(namespace: string, name: string, node?: string): string {
  return `Looking into ${namespace}/${name}${node ? ` on ${node}` : ''}…`;
}

/** One line for the user when something unexpected failed, with a reference id that is also in the log. */
export function failureText(err: unknown, logger: { error: (obj: object, msg: string) => void }, doing: string): string {
  const ref = randomBytes(4).toString('hex');
  logger.error({ err, ref }, `${doing} failed`);
  return `:warning: Something went wrong ${doing} (reference ${ref}); the bot's log has the details.`;
}
