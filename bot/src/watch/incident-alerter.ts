import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { PodNames } from '../kube/pod-names';
import type { BotMetrics } from '../metrics/bot-metrics';
import type { Scheduler } from '../conversation/scheduler';
import type { Target } from '../conversation/thread-context';
import type { Incident, Store } from '../store/store';
import { ALERT_KINDS, kindInfo, type AlertEvent, type Severity } from './alert-event';
import { alertHeadline, alertMessage, type AlertView } from './alert-message';
import type { AlertPolicy } from './alert-policy';
import type { IncidentPager } from './incident-pager';
import type { IncidentSubject } from './still-there';
import type { ThreadDiagnoser } from './thread-diagnoser';

/** How long a replica waits for another one that just opened an incident to record its message. */
const POSTING_GRACE_MS = 3000;

export type IncidentStore = Pick<Store, 'openIncident' | 'setIncidentMessage' | 'setIncidentDedupKey' | 'setIncidentState' | 'openIncidents'>;

/** A fresh look at a node: is the incident's subject still there? `unknown` when the node could not be read. */
export type Look = (node: string, subject: IncidentSubject) => Promise<'present' | 'gone' | 'unknown'>;

export interface IncidentAlerterDeps {
  store: IncidentStore;
  /** The bot's Web API client (chat.postMessage, chat.update). */
  client: WebClient;
  channel: string;
  policy: AlertPolicy;
  pager: IncidentPager;
  diagnoser?: ThreadDiagnoser;
  podNames?: PodNames;
  look: Look;
  /** No new event for this long: a fresh look decides whether the incident is over. */
  resolveAfterMs: number;
  scheduler: Scheduler;
  metrics?: BotMetrics;
  logger: Logger;
  now?: () => number;
  /**
   * Several replicas: whether this replica holds the shard of a node now.
   * Only incidents of owned nodes are restored, checked and resolved here (the
   * other replicas act on theirs). Without it every node is owned.
   */
  owns?(node: string): boolean;
}

export interface IncidentAlerter {
  handle(ev: AlertEvent): Promise<void>;
  /** After a restart: the open incidents of this channel on owned nodes, their quiet-period checks armed again. */
  restore(): Promise<void>;
  /**
   * The shards held changed: incidents of nodes no longer owned are dropped
   * (their checks cancelled, the one running finished), those of newly owned
   * nodes are picked up from the store with their checks armed.
   */
  ownershipChanged(): Promise<void>;
  /** Resolves when every Slack call and PagerDuty call started so far has finished. */
  drain(): Promise<void>;
  close(): void;
}

interface Live {
  incident: Incident;
  kind: string;
  severity: Severity;
  view: AlertView;
  subject: IncidentSubject;
  timer?: { cancel(): void };
  updating?: Promise<void>;
  dirty?: boolean;
  followUp?: Promise<void>;
}

const kindOf = (key: string): string => key.split('|')[1] ?? '';
const minutes = (ms: number): string => (ms >= 60_000 ? `${Number((ms / 60_000).toFixed(1))} min` : `${Math.round(ms / 1000)} s`);

/**
 * Watch events become incidents (one open per node, kind and pod, in the
 * store): the first event of an incident posts one message to the alert
 * channel, later ones update it (chat.update), the thread gets the diagnosis
 * and, for kinds that page, the page; a CLEARED condition — or, after a quiet
 * period, a fresh look that no longer finds it — resolves the incident, the
 * message and the PagerDuty alert.
 */
export function createIncidentAlerter(deps: IncidentAlerterDeps): IncidentAlerter {
  const now = deps.now ?? Date.now;
  const log = deps.logger;
  const live = new Map<string, Live>();
  const pending = new Set<Promise<unknown>>();
  const locks = new Map<string, Promise<void>>();
  let closed = false;
  let syncing: Promise<void> = Promise.resolve();
  const owned = (node: string): boolean => !deps.owns || deps.owns(node);

  const track = <T>(p: Promise<T>): Promise<T> => {
    const q = p.catch((err: Error) => {
      log.error({ err }, 'watch alert step failed');
    }) as Promise<unknown>;
    pending.add(q);
    void q.finally(() => pending.delete(q));
    return p;
  };

  /** One thing at a time per incident key (events of a node, quiet-period checks). */
  function locked(key: string, fn: () => Promise<void>): Promise<void> {
    const run = (locks.get(key) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => undefined);
    locks.set(key, tail);
    void tail.then(() => {
      if (locks.get(key) === tail) locks.delete(key);
    });
    return run;
  }

  const gauge = (): void => {
    if (!deps.metrics) return;
    deps.metrics.incidentsOpen.reset();
    for (const l of live.values()) deps.metrics.incidentsOpen.inc({ kind: l.kind });
  };

  function fromIncident(incident: Incident, ev?: AlertEvent): Live {
    const kind = ev?.kind ?? kindOf(incident.key);
    const severity: Severity = ev?.severity ?? kindInfo(kind).severity;
    const opened = Date.parse(incident.openedAt);
    return {
      incident,
      kind,
      severity,
      subject: { kind, podUid: incident.podUid, pid: ev?.pid },
      view: {
        incidentId: incident.id,
        title: ev?.title ?? kindInfo(kind).title,
        severity,
        node: incident.node,
        podUid: incident.podUid,
        target: ev?.target,
        latest: ev?.text ?? incident.summary,
        firstMs: ev ? Math.min(ev.atMs, opened) : opened,
        lastMs: ev?.atMs ?? Date.parse(incident.updatedAt),
        events: ev ? 0 : 1,
        pids: ev?.pids,
      },
    };
  }

  function armQuietCheck(l: Live, delayMs = deps.resolveAfterMs): void {
    l.timer?.cancel();
    if (closed) return;
    l.timer = deps.scheduler.after(Math.max(0, delayMs), () => {
      void track(locked(l.incident.key, () => quietCheck(l)));
    });
  }

  /** This replica no longer owns the incident's node: forget it here (its new owner acts on it). */
  function drop(l: Live): void {
    l.timer?.cancel();
    if (live.get(l.incident.key) === l) live.delete(l.incident.key);
    gauge();
  }

  async function quietCheck(l: Live): Promise<void> {
    if (live.get(l.incident.key) !== l || closed) return;
    if (!owned(l.incident.node)) {
      drop(l);
      return;
    }
    const seen = await deps.look(l.incident.node, l.subject);
    if (live.get(l.incident.key) !== l || closed) return;
    if (!owned(l.incident.node)) {
      drop(l);
      return;
    }
    if (seen === 'gone') {
      await resolve(l, `no new event for ${minutes(deps.resolveAfterMs)} and a fresh look at ${l.incident.node} no longer shows it`);
      return;
    }
    log.debug({ incident: l.incident.id, seen }, 'incident still open after its quiet period');
    armQuietCheck(l);
  }

  function updateMessage(l: Live): Promise<void> {
    l.dirty = true;
    if (l.updating) return l.updating;
    // A Slack failure is logged, not thrown: it must not hold up the node's stream (the next event updates again).
    l.updating = track(
      (async () => {
        while (l.dirty) {
          l.dirty = false;
          const { text, blocks } = alertMessage(l.view);
          await deps.client.chat.update({ channel: l.incident.slackChannel ?? deps.channel, ts: l.incident.slackTs!, text, blocks: blocks as unknown as KnownBlock[] });
          deps.metrics?.alerts.inc({ outcome: l.view.resolved ? 'resolved' : 'updated' });
        }
      })()
        .catch((err: Error) => {
          deps.metrics?.alerts.inc({ outcome: 'failed' });
          log.error({ err, incident: l.incident.id }, 'updating the alert message failed');
        })
        .finally(() => {
          l.updating = undefined;
        }),
    );
    return l.updating;
  }

  function targetFor(l: Live): Target {
    const name = l.view.podName?.split('/');
    if (name?.length === 2) return { kind: 'pod', namespace: name[0], name: name[1] };
    const focus = ['d-pileup', 'hung-task', 'pidns-teardown'].includes(l.kind) ? ('D' as const) : l.kind === 'zombie-growth' ? ('zombies' as const) : undefined;
    return { kind: 'node', node: l.incident.node, ...(focus ? { focus } : {}) };
  }

  async function followUp(l: Live, page: boolean): Promise<void> {
    const channel = l.incident.slackChannel ?? deps.channel;
    const ts = l.incident.slackTs!;
    const say = (text: string): Promise<unknown> => deps.client.chat.postMessage({ channel, thread_ts: ts, text });
    if (page) {
      let link: string | undefined;
      try {
        link = (await deps.client.chat.getPermalink({ channel, message_ts: ts })).permalink;
      } catch {
        link = undefined;
      }
      const paged = await deps.pager.page({
        ...l.incident,
        podUid: l.incident.podUid,
        target: l.view.target,
        kind: l.kind,
        severity: l.severity,
        summary: `${alertHeadline(l.view)}: ${l.view.latest}`,
        incidentId: l.incident.id,
        link,
      });
      if (paged.dedupKey) {
        await deps.store.setIncidentDedupKey(l.incident.id, paged.dedupKey);
        l.incident.pagerdutyDedupKey = paged.dedupKey;
      }
      if (paged.line) await say(paged.line);
    }
    if (deps.diagnoser) {
      await deps.diagnoser.diagnose(deps.client, channel, ts, targetFor(l));
      if (page) await deps.diagnoser.paged(channel, ts);
    }
  }

  async function post(l: Live, ev: AlertEvent): Promise<void> {
    const admission = deps.policy.admit(deps.channel, ev);
    if (!admission.post) {
      deps.metrics?.alerts.inc({ outcome: admission.reason });
      log.info({ incident: l.incident.id, key: l.incident.key, reason: admission.reason }, 'alert held back');
      return;
    }
    if (l.incident.podUid && deps.podNames) {
      const name = await Promise.race([
        deps.podNames.byUid(l.incident.node, l.incident.podUid),
        new Promise<undefined>((r) => {
          setTimeout(() => r(undefined), 500).unref();
        }),
      ]);
      if (name) l.view.podName = `${name.namespace}/${name.name}`;
    }
    const { text, blocks } = alertMessage(l.view);
    const res = await deps.client.chat.postMessage({ channel: deps.channel, text, blocks: blocks as unknown as KnownBlock[] });
    const ts = String(res.ts);
    if (!(await deps.store.setIncidentMessage(l.incident.id, deps.channel, ts))) {
      // Another replica posted it first: one message per incident.
      await deps.client.chat.delete({ channel: deps.channel, ts }).catch(() => undefined);
      return;
    }
    Object.assign(l.incident, { slackChannel: deps.channel, slackTs: ts });
    deps.metrics?.alerts.inc({ outcome: 'posted' });
    if (ev.seenMs) deps.metrics?.alertLatency.observe(Math.max(0, now() - ev.seenMs) / 1000);
    log.info({ incident: l.incident.id, key: l.incident.key, ts, page: admission.page }, 'alert posted');
    l.followUp = track(followUp(l, admission.page));
  }

  async function resolve(l: Live, why: string): Promise<void> {
    l.timer?.cancel();
    live.delete(l.incident.key);
    gauge();
    await deps.store.setIncidentState(l.incident.id, 'resolved');
    log.info({ incident: l.incident.id, key: l.incident.key, why }, 'incident resolved');
    if (!l.incident.slackTs) return;
    await l.followUp?.catch(() => undefined);
    l.view.resolved = { atMs: now(), why };
    await updateMessage(l);
    let pd = '';
    if (l.incident.pagerdutyDedupKey) {
      const r = await deps.pager.resolve(l.incident.pagerdutyDedupKey);
      pd = r.ok ? ` PagerDuty alert \`${l.incident.pagerdutyDedupKey}\` resolved.` : ` :warning: Resolving PagerDuty alert \`${l.incident.pagerdutyDedupKey}\` failed: ${r.message}`;
    }
    await deps.client.chat
      .postMessage({ channel: l.incident.slackChannel ?? deps.channel, thread_ts: l.incident.slackTs, text: `:white_check_mark: Resolved: ${why}.${pd}` })
      .catch((err: Error) => log.error({ err, incident: l.incident.id }, 'saying the incident is resolved failed'));
  }

  async function openLive(key: string, node: string): Promise<Live | undefined> {
    const l = live.get(key);
    if (l) return l;
    const incident = (await deps.store.openIncidents(node)).find((i) => i.key === key);
    if (!incident) return undefined;
    const restored = fromIncident(incident);
    live.set(key, restored);
    return restored;
  }

  /** The Slack message of an incident once some replica has recorded it, polling the store for up to `ms`. */
  async function messageOf(incident: Incident, ms: number): Promise<{ slackChannel: string; slackTs: string } | undefined> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const stored = (await deps.store.openIncidents(incident.node)).find((i) => i.id === incident.id);
      if (!stored) return undefined;
      if (stored.slackTs) return { slackChannel: stored.slackChannel ?? deps.channel, slackTs: stored.slackTs };
      await new Promise((r) => setTimeout(r, 100));
    }
    return undefined;
  }

  async function handleLocked(ev: AlertEvent): Promise<void> {
    if (ev.action === 'clear') {
      const l = await openLive(ev.key, ev.node);
      if (l) await resolve(l, `the collector sees it gone (was: ${ev.text})`);
      return;
    }
    const opened = await deps.store.openIncident({ key: ev.key, node: ev.node, podUid: ev.podUid, findingId: ev.findingId, summary: `${ev.title}: ${ev.text}`.slice(0, 500) });
    let l = live.get(ev.key);
    if (!l || l.incident.id !== opened.incident.id) {
      l = fromIncident(opened.incident, ev);
      live.set(ev.key, l);
      gauge();
    }
    Object.assign(l, { kind: ev.kind, severity: ev.severity });
    Object.assign(l.view, {
      title: ev.title,
      severity: ev.severity,
      latest: ev.text,
      lastMs: Math.max(l.view.lastMs, ev.atMs),
      events: l.view.events + 1,
      ...(ev.pids?.length ? { pids: ev.pids } : {}),
      ...(ev.target ? { target: ev.target } : {}),
    });
    if (ev.pid) l.subject.pid = ev.pid;
    if (!l.incident.slackTs && opened.status === 'existing' && now() - Date.parse(opened.incident.openedAt) < POSTING_GRACE_MS) {
      // Opened moments ago by another replica (a shard changing hands): it is posting the
      // message now. Wait for its ts rather than post a second message and delete one.
      const ts = await messageOf(opened.incident, POSTING_GRACE_MS);
      if (ts) Object.assign(l.incident, ts);
    }
    if (!l.incident.slackTs) {
      // Slack refused or failed (not in the channel, an outage past the client's retries): the incident
      // stays open without a message, and its next event tries again. (The store failing to open the
      // incident above is thrown: the stream reconnects and the event is read again.)
      await post(l, ev).catch((err: Error & { data?: { error?: string } }) => {
        deps.metrics?.alerts.inc({ outcome: 'failed' });
        log.error(
          { err, incident: l!.incident.id, channel: deps.channel },
          `posting the alert failed${err.data?.error === 'not_in_channel' || err.data?.error === 'channel_not_found' ? ': invite the bot to the alert channel (WHYSTUCK_ALERT_CHANNEL)' : ''}`,
        );
      });
    } else await updateMessage(l);
    armQuietCheck(l);
  }

  const restorable = (incident: Incident): boolean => ALERT_KINDS.includes(kindOf(incident.key)) && (!incident.slackChannel || incident.slackChannel === deps.channel);

  /** Drops the incidents of nodes not owned, picks up the open ones of owned nodes; one at a time. */
  function sync(): Promise<void> {
    syncing = syncing
      .then(async () => {
        if (closed) return;
        const dropped: Promise<void>[] = [];
        for (const l of [...live.values()]) {
          if (owned(l.incident.node)) continue;
          drop(l);
          // A check or an event of it already running finishes before the shard is given up.
          const running = locks.get(l.incident.key);
          if (running) dropped.push(running);
        }
        await Promise.all(dropped);
        const candidates = (await deps.store.openIncidents()).filter((i) => restorable(i) && owned(i.node) && !live.has(i.key));
        const fresh = new Map<string, Promise<Incident[]>>();
        await Promise.all(
          candidates.map((candidate) =>
            locked(candidate.key, async () => {
              if (closed || live.has(candidate.key) || !owned(candidate.node)) return;
              // Read again under the incident's lock: it may have been resolved since (by the replica that owned it before).
              if (!fresh.has(candidate.node)) fresh.set(candidate.node, deps.store.openIncidents(candidate.node));
              const incident = (await fresh.get(candidate.node)!).find((i) => i.id === candidate.id);
              if (!incident || live.has(incident.key) || !owned(incident.node)) return;
              const l = fromIncident(incident);
              live.set(incident.key, l);
              armQuietCheck(l, Date.parse(incident.updatedAt) + deps.resolveAfterMs - now());
            }),
          ),
        );
        gauge();
      })
      .catch((err: Error) => log.error({ err }, 'picking up the incidents of the watch shards held failed'));
    return syncing;
  }

  return {
    handle(ev) {
      if (closed) return Promise.resolve();
      if (deps.policy.muted(ev)) {
        deps.metrics?.alerts.inc({ outcome: 'muted' });
        return Promise.resolve();
      }
      return locked(ev.key, () => handleLocked(ev));
    },
    restore: sync,
    ownershipChanged: sync,
    async drain() {
      while (pending.size || locks.size) await Promise.allSettled([...pending, ...locks.values()]);
    },
    close() {
      closed = true;
      for (const l of live.values()) l.timer?.cancel();
    },
  };
}
