import { z } from 'zod';
import { numberWhere, type SettingTable, type Sources } from './sources';

export interface PasteConfig {
  /** Largest paste (file upload) the bot downloads and reads, in bytes. */
  pasteMaxBytes: number;
  /** Time for reading one paste (off the event loop); past it the answer covers what was read and says where it stopped. */
  pasteTimeBudgetMs: number;
}

export const PASTE_FILE_KEYS = { pasteMaxBytes: z.number().optional(), pasteTimeBudgetMs: z.number().optional() };

export const PASTE_SETTINGS = {
  pasteMaxBytes: { env: 'WHYSTUCK_PASTE_MAX_BYTES', file: 'pasteMaxBytes', type: 'number' },
  pasteTimeBudgetMs: { env: 'WHYSTUCK_PASTE_TIME_BUDGET_MS', file: 'pasteTimeBudgetMs', type: 'number' },
} satisfies SettingTable;

const PasteSchema = z.object({
  pasteMaxBytes: numberWhere((n) => Number.isInteger(n) && n >= 1024, 'must be an integer number of bytes >= 1024').default(10 * 1024 * 1024),
  pasteTimeBudgetMs: numberWhere((n) => Number.isInteger(n) && n >= 100 && n <= 600000, 'must be an integer number of milliseconds from 100 to 600000').default(10_000),
});

/** Pastes and uploads: how much is read, and for how long. */
export const pasteSection = (src: Sources): PasteConfig => src.section('pastes', PASTE_SETTINGS, PasteSchema);
