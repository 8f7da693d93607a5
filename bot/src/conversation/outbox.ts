import type { Diagnosis, Finding, Remediation } from '../diagnosis/finding';
import type { PodInfo } from '../kube/pod-lookup';
import type { SnapshotSource } from '../nodes/node-access';

/**
 * A remediation that works, offered as a choice: its confirmation facts are
 * the remediation's (node, pid, comm, start time, signal, expected effect),
 * its `value` the signed action token the remediation service verifies.
 */
export interface RemediationChoice {
  remediation: Remediation;
  value: string;
  finding: Finding;
}

/**
 * The Reply model: a diagnosis as the conversation decided to give it —
 * summary, context, findings, the choices with their confirmation facts and
 * signed tokens, the follow-up actions — for an adapter to render (Block Kit
 * in slack/diagnosis-blocks.ts, text in render/reply-text.ts).
 */
export interface DiagnosisReply {
  pod?: PodInfo;
  node: string;
  diagnosis: Diagnosis;
  choices: RemediationChoice[];
  /** The thread the follow-up actions (Recheck, Escalate, Show more) belong to. */
  threadKey: string;
  /** The context line under the summary; defaults to the pod or node. */
  where?: string;
  /** A context line above the actions (e.g. a pending auto-escalation). */
  note?: string;
  /** Offer Recheck (not for a paste: there is nothing live to look at again). Default true. */
  recheck?: boolean;
  /** How the snapshot was taken: a line says so when it was over SSH. */
  source?: SnapshotSource;
  /** What could not be read live (Kubernetes API reads, the node): said under the summary, never left out. */
  unread?: { what: string; why: string }[];
}

/** Where something is said: a channel, and the thread in it (absent: a new top-level message). */
export interface Place {
  channel: string;
  thread?: string;
}

/** A sentence in the conversation's markup (markup.ts), or a diagnosis reply. */
export type Message = { text: string } | { reply: DiagnosisReply };

export interface Posted {
  /** The message's id: the thread root for a new top-level message. */
  ts: string;
  /** What a diagnosis reply had no room for (the transport's size limits): offered by "Show more". */
  overflow?: string[];
}

/**
 * How the conversation speaks, whatever carries it: Slack's Web API
 * (slack/slack-outbox.ts) or the terminal (terminal/terminal-outbox.ts).
 * The conversation decides what to say; the outbox renders and delivers it.
 */
export interface Outbox {
  post(place: Place, message: Message): Promise<Posted>;
  /** Shown to one user only (Slack's ephemeral message); the terminal shows it like any line. */
  whisper(place: Place, user: string, text: string): Promise<void>;
  /** A link to a message (the thread PagerDuty's alert opens); undefined when there is none. */
  link(channel: string, ts: string): Promise<string | undefined>;
}

/** Who may send signals: Slack users and user groups, or local users. */
export interface Authoriser {
  mayRemediate(user: string): Promise<boolean>;
  /** What a refused user is told: who may ("only the users and groups in WHYSTUCK_REMEDIATORS may remediate"). */
  refusal(user: string): string;
}
