import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import type { CollectorPool } from '../nodes/collector-pool';
import type { SshFallback } from '../nodes/ssh-fallback';
import { awaitAuditResult } from '../store/await-audit-result';
import type { AuditEntry, Store } from '../store/store';
import { verifyAction, type ActionClaims } from './action-token';
import type { Authoriser, Outbox } from './outbox';
import { remediateNode, type NodePath } from '../nodes/node-access';
import { MAY_HAVE_BEEN_SENT, UNKNOWN_OUTCOME } from './unfinished-intents';

export interface RemediationDeps {
  /** The audit log: one row per action token, shared by every replica. */
  audit: Pick<Store, 'recordIntent' | 'recordResult' | 'auditByToken'>;
  /** How long a second click waits for the first one's result (default 5 s). */
  duplicateWaitMs?: number;
  collectors: CollectorPool;
  /** For buttons on a diagnosis read over SSH: the signal goes over SSH too. */
  ssh?: SshFallback;
  actionSecret: string;
  /** Who may send signals: Slack users and groups (slack/slack-authoriser.ts) or local users (the terminal). */
  authoriser: Authoriser;
  /** How the collector and the audit name who asked: "slack:U123" or "local:alice" (default "slack"). */
  requesterPrefix?: string;
  /** Namespaces whose pods are never signalled from a button (default kube-system and whystuck). */
  protectedNamespaces?: string[];
  logger: Logger;
  /** Re-snapshot and report in the thread after a signal, along the path the signal took. */
  recheck(out: Outbox, channel: string, threadTs: string, via: NodePath): Promise<void>;
  recheckDelayMs?: number;
  /** An authorised remediation started in this thread: someone is acting (calls off auto-escalation). */
  onActing?(channel: string, threadTs: string): Promise<void> | void;
}

const SIGNALS = { SIGTERM: 15, SIGKILL: 9, SIGCONT: 18 } as const;

/** Namespaces whose pods get no remediation button and whose tokens are refused, unless configured otherwise. */
export const DEFAULT_PROTECTED_NAMESPACES = ['kube-system', 'whystuck'];

/**
 * A refused click goes into the audit log too (not only the log file), as a
 * row of its own that never consumes the button's token: an unauthorised
 * click must not use up the button on-call is about to press. Forged and
 * expired tokens have no trusted claims: their row names only the user.
 */
async function auditRefusal(audit: RemediationDeps['audit'], user: string, outcome: string, message: string, c: ActionClaims | undefined, log: Logger): Promise<void> {
  try {
    const row = await audit.recordIntent({
      tokenId: `refused:${randomUUID()}`,
      user,
      node: c?.node ?? '',
      pid: c?.pid ?? 0,
      startTime: c?.startTime ?? 0,
      comm: c?.comm ?? '',
      signal: c?.signal ?? '',
      podUid: c?.podUid,
      findingId: c?.findingId ?? '',
      path: c?.via === 'ssh' ? 'ssh' : 'collector',
    });
    if (row.status === 'new') await audit.recordResult(row.id, outcome, message);
  } catch (err) {
    log.error({ err, outcome }, 'could not write the refusal to the audit log');
  }
}

const alreadyDone = (p: AuditEntry): string =>
  `Already done: <@${p.user}> sent ${p.signal} to ${p.pid} at ${p.at} (audit #${p.id}) — ${p.outcome}${p.message ? `: ${p.message}` : ''}. Each button works once; press Recheck for fresh ones.`;
const beingHandled = (p: AuditEntry): string =>
  `Already being handled: <@${p.user}> is sending ${p.signal} to ${p.pid} since ${p.at} (audit #${p.id}), by another replica or click, and there is no result yet. Nothing more was sent; press Recheck in a moment to see the outcome.`;

/**
 * A remediation button: token verified (forged/expired refused), user
 * authorised, intent audited before the signal with the path it takes (a
 * second click finds it and is refused), the collector re-checks start time
 * and comm and signals through a pidfd — or, for a diagnosis read over SSH,
 * signal.sh re-checks them on the node —, the result is audited and posted,
 * then the pod is rechecked the same way.
 */
export interface Remediation {
  /**
   * A remediation choice picked by `who` in a thread: `value` is the signed
   * action token the choice carried. Everything said goes through `out`.
   */
  remediate(out: Outbox, who: { user: string; channel: string; thread: string }, value: string): Promise<RemediationOutcome>;
}

/** How a pick ended: refused (nothing sent), failed (not sent), unknown (may have been sent), or the collector's answer. */
export type RemediationOutcome = 'refused' | 'failed' | 'unknown' | 'answered';

export function createRemediation(deps: RemediationDeps): Remediation {
  const requester = deps.requesterPrefix ?? 'slack';
  return { remediate };

  async function remediate(out: Outbox, who: { user: string; channel: string; thread: string }, value: string): Promise<RemediationOutcome> {
    const { user, channel, thread: threadTs } = who;
    const log = deps.logger.child({ action: 'remediate', user, channel });
    const say = (text: string): Promise<unknown> => out.post({ channel, thread: threadTs }, { text });
    const refuse = (text: string): Promise<unknown> => out.whisper({ channel, thread: threadTs }, user, text);
    try {
      const check = verifyAction(deps.actionSecret, value);
      if (check.status !== 'ok') {
        log.warn({ reason: check.status }, 'action refused');
        await auditRefusal(deps.audit, user, `REFUSED_${check.status.toUpperCase()}`, check.message, undefined, log);
        await refuse(`Refused: ${check.message}.`);
        return 'refused';
      }
      const c = check.claims;
      if (!(await deps.authoriser.mayRemediate(user))) {
        log.warn({ pid: c.pid }, 'not authorised');
        await auditRefusal(deps.audit, user, 'REFUSED_UNAUTHORISED', 'not in WHYSTUCK_REMEDIATORS', c, log);
        await refuse(deps.authoriser.refusal(user));
        return 'refused';
      }
      const shielded = deps.protectedNamespaces ?? DEFAULT_PROTECTED_NAMESPACES;
      if (c.podNamespace && shielded.includes(c.podNamespace)) {
        log.warn({ pid: c.pid, namespace: c.podNamespace }, 'protected namespace');
        await auditRefusal(deps.audit, user, 'REFUSED_PROTECTED', `pods in namespace ${c.podNamespace} are protected (WHYSTUCK_PROTECTED_NAMESPACES)`, c, log);
        await refuse(`Refused: pods in namespace ${c.podNamespace} are never signalled from whystuck (WHYSTUCK_PROTECTED_NAMESPACES).`);
        return 'refused';
      }
      const via: NodePath = c.via === 'ssh' ? 'ssh' : 'collector';
      const intent = await deps.audit.recordIntent({
        tokenId: c.id,
        user,
        node: c.node,
        pid: c.pid,
        startTime: c.startTime,
        comm: c.comm,
        signal: c.signal,
        podUid: c.podUid,
        findingId: c.findingId,
        path: via,
      });
      if (intent.status === 'duplicate') {
        // The same token clicked again, retried, or received by another replica: answer with the first one's result.
        const first = await awaitAuditResult(deps.audit, intent.previous, { timeoutMs: deps.duplicateWaitMs ?? 5000 });
        log.info({ pid: c.pid, audit: first.entry.id, first: first.status }, 'action token already used');
        await refuse(first.status === 'done' ? alreadyDone(first.entry) : beingHandled(first.entry));
        return 'refused';
      }
      // The token's expiry, again right before sending: authorising (Slack's user groups) and the audit write may have taken long.
      if (Date.now() > c.exp) {
        await deps.audit.recordResult(intent.id, 'REFUSED_EXPIRED', 'the button expired before the signal could be sent; nothing was sent');
        log.warn({ pid: c.pid, audit: intent.id }, 'action expired before sending');
        await refuse('Refused: this button expired before the signal could be sent; nothing was sent. Press Recheck for a fresh diagnosis and fresh buttons.');
        return 'refused';
      }
      // Nothing that can wait on Slack (its Web API retries for minutes) runs before the signal: the thread hears of it meanwhile.
      const announced = Promise.resolve()
        .then(() => deps.onActing?.(channel, threadTs))
        .then(() => say(`<@${user}> is sending ${c.signal} to ${c.pid} (${c.comm}) on ${c.node}${via === 'ssh' ? ' over SSH' : ''}… (audit #${intent.id})`))
        .catch((err: unknown) => log.error({ err, audit: intent.id }, 'could not announce the remediation in the thread'));
      const res = await remediateNode(
        deps,
        c.node,
        {
          pid: c.pid,
          start_time_ticks: c.startTime,
          expected_comm: c.comm,
          signal: c.signal,
          requester: `${requester}:${user.replace(/^local:/, '')}`,
          reason: `${c.findingId}; audit #${intent.id}`,
          node: c.node,
        },
        via,
      );
      if (res.status === 'unknown') {
        // The request left and no answer came back: the signal may have gone out. Never "not sent"; a recheck tells.
        await deps.audit.recordResult(intent.id, UNKNOWN_OUTCOME, `${MAY_HAVE_BEEN_SENT}: ${res.message}`);
        log.warn({ pid: c.pid, signal: c.signal, path: via, audit: intent.id }, `remediation ${MAY_HAVE_BEEN_SENT}: ${res.message}`);
        await announced;
        await say(`:warning: ${MAY_HAVE_BEEN_SENT}: ${c.signal} to ${c.pid} (${c.comm}) on ${c.node} (audit #${intent.id}) — ${res.message}. Rechecking whether it is still there…`);
        setTimeout(() => {
          void deps.recheck(out, channel, threadTs, via).catch((err) => log.error({ err }, 'recheck failed'));
        }, deps.recheckDelayMs ?? 2000).unref();
        return 'unknown';
      }
      if (res.status !== 'ok') {
        await deps.audit.recordResult(intent.id, 'FAILED', res.message);
        await announced;
        await say(`:x: ${c.signal} to ${c.pid} was not sent: ${res.message}`);
        return 'failed';
      }
      const r = res.value;
      await deps.audit.recordResult(intent.id, String(r.status), r.message ?? '');
      log.info({ pid: c.pid, signal: SIGNALS[c.signal], status: r.status, path: via, where: res.where }, 'remediation');
      await announced;
      const after = r.status === 'SIGNALLED' ? (r.still_present ? ` It is still there, in state ${r.state_after}${r.wchan_after ? ` (${r.wchan_after})` : ''}.` : ' It is gone.') : '';
      await say(`${r.status === 'SIGNALLED' ? ':white_check_mark:' : ':no_entry:'} ${r.status}: ${r.message}.${after} Rechecking…`);
      setTimeout(() => {
        void deps.recheck(out, channel, threadTs, via).catch((err) => log.error({ err }, 'recheck failed'));
      }, deps.recheckDelayMs ?? 2000).unref();
      return 'answered';
    } catch (err) {
      log.error({ err }, 'remediation failed');
      await refuse('Something went wrong while remediating; nothing more was sent. See the bot log.').catch(() => undefined);
      return 'failed';
    }
  }
}
