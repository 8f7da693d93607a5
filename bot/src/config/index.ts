/**
 * bot/src/config: the one place that reads configuration. The CLI entry passes
 * process.env in; everything else gets settings from here (lint enforces it).
 */
export { ConfigError } from './errors';
export { ACTION_KEY_ENV, ACTION_KEY_MIN_BYTES, actionKeyBytes, actionKeyProblem, describeActionKey, requireActionKey } from './action-key';
export { cliSettings, type CliSettings } from './cli';
export { loadConfig, parseConfig, FileSchema, SETTING_TABLES, type BotConfig } from './load';
export { checkConfigFiles, type FileChecks } from './files';
export { isLoopbackAddress, type CollectorDiscoveryConfig } from './collectors';
export type { SshFallbackConfig } from './ssh';
export { describeReadAccess, type SlackConfig } from './slack';
export { describeWatch, parseQuietHours, parseRateLimit, type WatchConfig } from './watch';
export type { ShardsConfig } from './shards';
export type { TerminalSettings } from './terminal';
export { LOG_LEVELS, type LogLevel } from './logging';
export type { Env, Setting, SettingReport, SettingTable } from './sources';
