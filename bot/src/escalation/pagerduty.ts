/**
 * PagerDuty Events API v2: trigger and resolve alerts with a dedup key per
 * node + pod + finding, so repeated escalations update one incident and a
 * recheck that finds the problem gone resolves it.
 */
export interface EscalationTarget {
  trigger(e: { dedupKey: string; summary: string; severity: 'critical' | 'error' | 'warning' | 'info'; source: string; details: Record<string, unknown>; link?: string }): Promise<EscalationResult>;
  resolve(dedupKey: string): Promise<EscalationResult>;
}

export type EscalationResult = { status: 'ok'; dedupKey: string } | { status: 'failed'; message: string };

export function dedupKeyFor(node: string, podUid: string, findingId: string): string {
  return `whystuck/${node}/${podUid || '-'}/${findingId}`;
}

export function createPagerDuty(opts: { routingKey: string; eventsUrl: string; timeoutMs?: number }): EscalationTarget {
  async function send(body: Record<string, unknown>): Promise<EscalationResult> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), opts.timeoutMs ?? 10_000);
    timer.unref();
    try {
      const res = await fetch(opts.eventsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ routing_key: opts.routingKey, ...body }),
        signal: abort.signal,
      });
      const json = (await res.json().catch(() => ({}))) as { status?: string; message?: string; dedup_key?: string; errors?: string[] };
      if (res.status === 202) return { status: 'ok', dedupKey: json.dedup_key ?? String(body.dedup_key) };
      return { status: 'failed', message: `PagerDuty answered ${res.status}: ${json.message ?? ''} ${(json.errors ?? []).join('; ')}`.trim() };
    } catch (err) {
      return { status: 'failed', message: `PagerDuty unreachable at ${opts.eventsUrl}: ${(err as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }
  return {
    trigger: (e) =>
      send({
        event_action: 'trigger',
        dedup_key: e.dedupKey,
        payload: { summary: e.summary.slice(0, 1024), severity: e.severity, source: e.source, component: 'whystuck', custom_details: e.details },
        ...(e.link ? { links: [{ href: e.link, text: 'Slack thread' }] } : {}),
      }),
    resolve: (dedupKey) => send({ event_action: 'resolve', dedup_key: dedupKey }),
  };
}
