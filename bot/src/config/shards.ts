import { z } from 'zod';
import { numberWhere, type SettingTable, type Sources } from './sources';

/**
 * Watch mode across replicas with Kubernetes Leases: `auto` (on with the
 * PostgreSQL store and a Kubernetes API), `on` or `off`; how many shards the
 * nodes fall into; how long a lease lasts (renewed every fifth of it).
 */
export interface ShardsConfig {
  leases: 'auto' | 'on' | 'off';
  shards: number;
  leaseDurationMs: number;
}

export const SHARDS_SETTINGS = {
  leases: { env: 'WHYSTUCK_WATCH_LEASES' },
  shards: { env: 'WHYSTUCK_WATCH_SHARDS', type: 'number', blankIsUnset: true },
  leaseSeconds: { env: 'WHYSTUCK_WATCH_LEASE_SECONDS', type: 'number', blankIsUnset: true },
} satisfies SettingTable;

const ShardsSchema = z.object({
  leases: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['auto', 'on', 'off'], { error: 'must be auto, on or off (auto: leases with the PostgreSQL store and a Kubernetes API)' }))
    .default('auto'),
  shards: numberWhere((n) => n >= 1 && n <= 1024, 'must be a number from 1 to 1024 (the shards the nodes fall into, one lease each)').default(8),
  leaseSeconds: numberWhere((n) => n >= 1 && n <= 300, "must be a number of seconds from 1 to 300 (a lease's duration; renewed every fifth of it)").default(10),
});

export function shardsSection(src: Sources): ShardsConfig {
  const v = src.section('watch shards', SHARDS_SETTINGS, ShardsSchema);
  return { leases: v.leases, shards: Math.floor(v.shards), leaseDurationMs: Math.round(v.leaseSeconds * 1000) };
}
