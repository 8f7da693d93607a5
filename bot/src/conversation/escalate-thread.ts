import type { Logger } from 'pino';
import { dedupKeyFor, type EscalationTarget } from '../escalation/pagerduty';
import type { Outbox } from './outbox';
import type { Scheduler } from './scheduler';
import { describeTarget, type OkInvestigation, type ThreadContext } from './thread-context';

export interface ThreadEscalationDeps {
  /** PagerDuty Events v2, when PAGERDUTY_ROUTING_KEY is set. */
  pagerduty?: EscalationTarget;
  /** Channel id -> on-call user group mentioned on escalation. */
  oncallGroups: Map<string, string>;
  autoEscalateMinutes?: number;
  scheduler: Scheduler;
  logger: Logger;
  /** Counts escalations (metrics): by the Escalate button or automatically, and whether anyone was reached. */
  onEscalation?(how: 'button' | 'auto', result: 'ok' | 'failed'): void;
  /**
   * May `user` page PagerDuty from a thread whose diagnosis comes from a
   * paste? Slack: remediators and the channel's on-call group. Absent: yes
   * (the terminal, whose user holds the routing key themselves).
   */
  mayPageFromPaste?(user: string, channel: string): Promise<boolean>;
}

/** Said when a paste's diagnosis may not page: anyone can paste anything. */
const PASTE_NOT_PAGED =
  "PagerDuty was not paged: this diagnosis comes from a paste, not from the node, and only remediators (WHYSTUCK_REMEDIATORS) and this channel's on-call group (WHYSTUCK_ONCALL_GROUPS) may page from a paste. For a live diagnosis ask `/whystuck pod NAME -n NAMESPACE` (or `node NAME`) and press Escalate there.";

const minutes = (m: number): string => (m === 1 ? '1 minute' : m > 1 ? `${Number(m.toFixed(2))} minutes` : `${Number((m * 60).toFixed(1))} seconds`);
/** What is stuck now: history (what the kernel log shows from before) never pages, arms or keeps an alert open. */
const current = (inv: OkInvestigation) => inv.diagnosis.findings.filter((f) => f.when !== 'earlier');
const topCritical = (inv: OkInvestigation) => current(inv).find((f) => f.severity === 'critical');
const keyOf = (inv: OkInvestigation, findingId: string): string => dedupKeyFor(inv.node, inv.pod?.uid ?? '', findingId);

/**
 * Escalation from a thread: a PagerDuty trigger and/or a mention of the
 * channel's on-call user group; alerts resolved when a recheck no longer finds
 * them; and, when configured, automatic escalation of a critical finding
 * nobody acted on (armed with the diagnosis, called off by a remediation,
 * an escalation or a recheck without it).
 */
export function createThreadEscalation(deps: ThreadEscalationDeps) {
  const armed = new Set<ThreadContext>();

  const configuredFor = (channel: string): boolean => Boolean(deps.pagerduty || deps.oncallGroups.get(channel));

  function cancelAuto(ctx: ThreadContext): void {
    ctx.autoEscalation?.cancel();
    ctx.autoEscalation = undefined;
    armed.delete(ctx);
  }

  /**
   * Escalate pressed (or asked) by `user`: a live diagnosis escalates for
   * anyone; a paste's pages PagerDuty only for those mayPageFromPaste allows.
   * Otherwise the channel's on-call group is still mentioned (anyone in the
   * channel could mention it) with why PagerDuty was not paged, and without
   * a group the user alone is told why. False when nothing was escalated.
   */
  async function escalateBy(out: Outbox, ctx: ThreadContext, inv: OkInvestigation, user: string): Promise<boolean> {
    let withheld: string | undefined;
    if (deps.pagerduty && inv.evidence.source === 'paste' && deps.mayPageFromPaste && !(await deps.mayPageFromPaste(user, ctx.channel))) {
      withheld = PASTE_NOT_PAGED;
      deps.logger.info({ reason: 'paste-page-not-allowed', channel: ctx.channel, user }, 'PagerDuty page from a paste refused');
      if (!deps.oncallGroups.get(ctx.channel)) {
        await out.whisper({ channel: ctx.channel, thread: ctx.ts }, user, withheld);
        return false;
      }
    }
    await escalate(out, ctx, inv, `<@${user}> escalated`, user, withheld);
    return true;
  }

  /** `opener` says who escalates: "<@U0ONCALL> escalated" or the automatic sentence; `withheld`: PagerDuty is not paged, and why. */
  async function escalate(out: Outbox, ctx: ThreadContext, inv: OkInvestigation, opener: string, by: string, withheld?: string): Promise<void> {
    cancelAuto(ctx);
    ctx.escalatedOnce = true;
    const say = (text: string): Promise<unknown> => out.post({ channel: ctx.channel, thread: ctx.ts }, { text });
    if (!configuredFor(ctx.channel)) {
      await say(
        `Escalation is not configured for this channel: set PAGERDUTY_ROUTING_KEY (and PAGERDUTY_EVENTS_URL for the EU region), or an on-call user group for <#${ctx.channel}> in WHYSTUCK_ONCALL_GROUPS (CHANNEL=S…).`,
      );
      return;
    }
    const reached: string[] = [];
    let failure = '';
    const group = deps.oncallGroups.get(ctx.channel);
    if (group) reached.push(`<!subteam^${group}> (on-call for this channel)`);
    if (deps.pagerduty && !withheld) {
      const top = current(inv)[0] ?? inv.diagnosis.findings[0];
      let link: string | undefined;
      try {
        link = await out.link(ctx.channel, ctx.ts);
      } catch {
        link = undefined;
      }
      const dedupKey = keyOf(inv, top?.id ?? 'none');
      const res = await deps.pagerduty.trigger({
        dedupKey,
        summary: `${describeTarget(ctx.target)}${inv.pod ? ` on ${inv.node}` : ''}: ${top?.title ?? inv.diagnosis.summary}`,
        severity: top?.severity === 'critical' ? 'critical' : top?.severity === 'warning' ? 'warning' : 'info',
        source: inv.node,
        details: { summary: inv.diagnosis.summary, findings: inv.diagnosis.findings.map((f) => ({ id: f.id, title: f.title })), escalated_by: by, pod_uid: inv.pod?.uid },
        link,
      });
      if (res.status === 'ok') {
        ctx.escalated.add(dedupKey);
        reached.push(`PagerDuty (dedup key \`${dedupKey}\`)`);
      } else failure = res.message;
    }
    deps.onEscalation?.(by.startsWith('whystuck') ? 'auto' : 'button', reached.length ? 'ok' : 'failed');
    if (!reached.length) {
      await say(`:warning: Escalation failed: ${failure}`);
      return;
    }
    await say(`:rotating_light: ${opener} to ${reached.join(' and ')}.${failure ? ` :warning: PagerDuty failed: ${failure}` : ''}${withheld ? ` ${withheld}` : ''}`);
  }

  /** A recheck that no longer finds an escalated problem resolves its PagerDuty alert. */
  async function resolveGone(out: Outbox, ctx: ThreadContext, inv: OkInvestigation): Promise<void> {
    if (!deps.pagerduty) return;
    for (const dedupKey of [...ctx.escalated]) {
      if (current(inv).some((f) => keyOf(inv, f.id) === dedupKey)) continue;
      const res = await deps.pagerduty.resolve(dedupKey);
      if (res.status !== 'ok') continue;
      ctx.escalated.delete(dedupKey);
      await out.post({ channel: ctx.channel, thread: ctx.ts }, { text: `:white_check_mark: The problem is gone on recheck; PagerDuty alert ${dedupKey} resolved.` });
    }
  }

  /**
   * After a live diagnosis: a critical finding arms the timer (once per
   * thread; a recheck keeps the first deadline), none calls it off. Returns
   * the line the reply shows while armed.
   */
  function armAuto(ctx: ThreadContext, inv: OkInvestigation, fire: (armedBy: OkInvestigation) => Promise<void>): string | undefined {
    const m = deps.autoEscalateMinutes;
    if (!topCritical(inv)) {
      cancelAuto(ctx);
      return undefined;
    }
    if (!m || ctx.target.kind === 'paste' || ctx.escalatedOnce || !configuredFor(ctx.channel)) return undefined;
    if (!ctx.autoEscalation) {
      const ms = Math.round(m * 60_000);
      const timer = deps.scheduler.after(ms, () => {
        if (ctx.autoEscalation !== entry) return; // called off meanwhile
        ctx.autoEscalation = undefined;
        armed.delete(ctx);
        void fire(entry.armedBy).catch((err) => deps.logger.error({ err }, 'auto-escalation failed'));
      });
      const entry = { at: Date.now() + ms, cancel: timer.cancel, armedBy: inv };
      ctx.autoEscalation = entry;
      armed.add(ctx);
    }
    ctx.autoEscalation.armedBy = inv;
    const at = Math.floor(ctx.autoEscalation.at / 1000);
    return `:alarm_clock: Critical: escalates to on-call automatically <!date^${at}^at {time}|at ${new Date(at * 1000).toISOString().slice(11, 16)} UTC> (after ${minutes(m)}) unless someone remediates or presses Escalate.`;
  }

  /**
   * The timer fired: escalate with the freshest evidence, or stand down if it
   * is gone. When the fresh look failed (collector down), the diagnosis that
   * armed the timer is escalated, with the failure.
   */
  async function autoEscalate(out: Outbox, ctx: ThreadContext, fresh: OkInvestigation | { message: string }, armedBy: OkInvestigation): Promise<void> {
    const after = minutes(deps.autoEscalateMinutes ?? 0);
    if ('diagnosis' in fresh) {
      if (!topCritical(fresh)) {
        await out.post({ channel: ctx.channel, thread: ctx.ts }, { text: `Not escalating: after ${after} a fresh snapshot no longer shows a critical finding.` });
        return;
      }
      await escalate(out, ctx, fresh, `Nobody acted on this critical finding within ${after} and a fresh snapshot still shows it: escalated automatically`, 'whystuck (auto-escalation)');
      return;
    }
    await escalate(out, ctx, armedBy, `Nobody acted on this critical finding within ${after} and the recheck failed (${fresh.message}): escalated automatically`, 'whystuck (auto-escalation)');
  }

  return {
    escalate,
    escalateBy,
    resolveGone,
    armAuto,
    autoEscalate,
    cancelAuto,
    /** Shutdown: no timer outlives the app. */
    cancelAll() {
      for (const ctx of [...armed]) cancelAuto(ctx);
    },
  };
}

export type ThreadEscalation = ReturnType<typeof createThreadEscalation>;
