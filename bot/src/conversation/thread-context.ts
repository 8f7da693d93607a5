import type { Investigation } from './investigate-pod';

/** What a thread is about: a pod, a node (or a pid on it), or text someone pasted. */
export type Target = { kind: 'pod'; namespace: string; name: string } | { kind: 'node'; node: string; pid?: number; focus?: 'zombies' | 'D' } | { kind: 'paste' };

export type OkInvestigation = Extract<Investigation, { status: 'ok' }>;

/** A pending automatic escalation: when it fires, how to call it off, and the latest diagnosis that armed it. */
export interface AutoEscalation {
  at: number;
  cancel(): void;
  armedBy: OkInvestigation;
}

export interface ThreadContext {
  channel: string;
  ts: string;
  target: Target;
  last?: Investigation;
  /** PagerDuty dedup keys triggered from this thread (resolved when a recheck no longer finds them). */
  escalated: Set<string>;
  /** Someone (or the timer) escalated this thread: it is not armed again. */
  escalatedOnce?: boolean;
  /** An authorised remediation started here (on any replica): never auto-escalated. */
  acted?: boolean;
  autoEscalation?: AutoEscalation;
  overflow: string[];
}

export const threadKey = (channel: string, ts: string): string => `${channel}:${ts}`;

export const describeTarget = (t: Target): string =>
  t.kind === 'pod' ? `${t.namespace}/${t.name}` : t.kind === 'paste' ? 'a pasted log' : t.pid !== undefined ? `pid ${t.pid} on ${t.node}` : `node ${t.node}`;
