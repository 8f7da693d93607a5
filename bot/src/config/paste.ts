import { z } from 'zod';
import { numberWhere, type SettingTable, type Sources } from './sources';

export interface PasteConfig {
  /** Largest paste (file upload) the bot downloads and reads, in bytes. */
  pasteMaxBytes: number;
  /** Time for reading one paste (off the event loop); past it the answer covers what was read and says where it stopped. */
  pasteTimeBudgetMs: number;
  /** Paste analyses run at once in this process (1-8); up to 8 more wait for a slot, past them a paste is refused. */
  pasteConcurrency: number;
  /** Pastes one Slack user may send in any 60 s (counted in memory, per replica). */
  pasteRatePerMinute: number;
}

export const PASTE_FILE_KEYS = {
  pasteMaxBytes: z.number().optional(),
  pasteTimeBudgetMs: z.number().optional(),
  pasteConcurrency: z.number().optional(),
  pasteRatePerMinute: z.number().optional(),
};

export const PASTE_SETTINGS = {
  pasteMaxBytes: { env: 'WHYSTUCK_PASTE_MAX_BYTES', file: 'pasteMaxBytes', type: 'number' },
  pasteTimeBudgetMs: { env: 'WHYSTUCK_PASTE_TIME_BUDGET_MS', file: 'pasteTimeBudgetMs', type: 'number' },
  pasteConcurrency: { env: 'WHYSTUCK_PASTE_CONCURRENCY', file: 'pasteConcurrency', type: 'number' },
  pasteRatePerMinute: { env: 'WHYSTUCK_PASTE_RATE_PER_MINUTE', file: 'pasteRatePerMinute', type: 'number' },
} satisfies SettingTable;

/** The paste limit's default, 2 MiB: the part of a log around an incident fits with room (`dmesg -T | tail -n 5000` is well under 1 MB). */
export const DEFAULT_PASTE_MAX_BYTES = 2 * 1024 * 1024;

const PasteSchema = z.object({
  pasteMaxBytes: numberWhere((n) => Number.isInteger(n) && n >= 1024, 'must be an integer number of bytes >= 1024').default(DEFAULT_PASTE_MAX_BYTES),
  pasteTimeBudgetMs: numberWhere((n) => Number.isInteger(n) && n >= 100 && n <= 600000, 'must be an integer number of milliseconds from 100 to 600000').default(10_000),
  pasteConcurrency: numberWhere(
    (n) => Number.isInteger(n) && n >= 1 && n <= 8,
    'must be an integer from 1 to 8 (paste analyses run at once, each in a worker thread of the bot; more wait, up to 8, then are refused)',
  ).default(2),
  pasteRatePerMinute: numberWhere(
    (n) => Number.isInteger(n) && n >= 1 && n <= 600,
    'must be an integer from 1 to 600 (pastes one Slack user may send per minute; the next is refused with when to try again)',
  ).default(6),
});

/** Pastes and uploads: how much is read, for how long, how many at once and how often per user. */
export const pasteSection = (src: Sources): PasteConfig => src.section('pastes', PASTE_SETTINGS, PasteSchema);
