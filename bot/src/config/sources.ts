import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors';

/** An environment: process.env from the CLI entry, or a test's own object. */
export type Env = Readonly<Record<string, string | undefined>>;

/** How one setting is read: its environment variable, its YAML key, how the environment's text becomes a value. */
export interface Setting {
  env: string;
  /** YAML path in WHYSTUCK_CONFIG (`ssh.port`); absent = environment only (secrets, deployment facts). */
  file?: string;
  /** text (default); number; list (comma-separated; YAML a list); pairs (K=V,…; YAML a mapping); flag ("1" = on; YAML a boolean). */
  type?: 'text' | 'number' | 'list' | 'pairs' | 'flag';
  /** Its value is never shown: not in errors, not in `config check`. */
  secret?: boolean;
  /** An empty environment value counts as unset (otherwise it is a value, and checked). */
  blankIsUnset?: boolean;
}
export type SettingTable = Record<string, Setting>;

/** One line of `whystuck config check`'s settings list. */
export interface SettingReport {
  section: string;
  env: string;
  file?: string;
  /** The name messages give it: the variable, or `FILE: path`. */
  key: string;
  /** As given (a secret: only whether it is set), or the default. */
  value: string;
  from: 'environment' | 'file' | 'default';
}

const getPath = (obj: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<PropertyKey, unknown>)[k] : undefined), obj);

/** "10, 20" for a list, "a=b, c=d" for a mapping, "(unset)" for nothing; a secret only says whether it is set. */
export function showValue(value: unknown, secret = false): string {
  if (value === undefined || value === '') return '(unset)';
  if (secret) return '(set, not shown)';
  if (value instanceof Map) return [...value].map(([k, v]) => `${k}=${v}`).join(', ') || '(none)';
  if (Array.isArray(value)) return value.join(', ') || '(none)';
  if (typeof value === 'function') return '(set, not shown)';
  if (value !== null && typeof value === 'object')
    return Object.entries(value)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ');
  return String(value);
}

/**
 * The merged configuration sources: the environment first, then the YAML
 * file. Each section reads its settings through `section()`, which merges
 * them, parses them with the section's one zod schema, turns the first issue
 * into a ConfigError naming where the value came from, and records every
 * setting's value for `whystuck config check`.
 */
export class Sources {
  readonly report: SettingReport[] = [];
  readonly warnings: string[] = [];

  constructor(
    readonly env: Env,
    readonly fileName: string | undefined,
    readonly file: Record<string, unknown>,
  ) {}

  /** Reads WHYSTUCK_CONFIG (or `file`) and checks its keys and their types against `fileSchema`. */
  static read(env: Env, fileName: string | undefined, fileSchema: z.ZodType): Sources {
    if (!fileName) return new Sources(env, undefined, {});
    let text: string;
    try {
      text = readFileSync(fileName, 'utf8');
    } catch (err) {
      throw new ConfigError('WHYSTUCK_CONFIG', `cannot read ${fileName}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; fix the path or unset WHYSTUCK_CONFIG`);
    }
    let data: unknown;
    try {
      data = YAML.parse(text) ?? {};
    } catch (err) {
      throw new ConfigError(`WHYSTUCK_CONFIG`, `${fileName} is not YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    const parsed = fileSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ConfigError(`${fileName}: ${issue.path.join('.') || '(top level)'}`, issue.message);
    }
    return new Sources(env, fileName, parsed.data as Record<string, unknown>);
  }

  /** The environment's text of a setting, undefined when unset (or blank, for blankIsUnset). */
  envText(s: Setting): string | undefined {
    const t = this.env[s.env];
    return t === undefined || (s.blankIsUnset && t === '') ? undefined : t;
  }

  fileValue(s: Setting): unknown {
    return s.file ? getPath(this.file, s.file.split('.')) : undefined;
  }

  from(s: Setting): 'environment' | 'file' | 'default' {
    if (this.envText(s) !== undefined) return 'environment';
    return this.fileValue(s) !== undefined ? 'file' : 'default';
  }

  /** The name a message gives a setting: its variable, or `FILE: path` when the value came from the file. */
  keyOf(s: Setting): string {
    return this.from(s) === 'file' ? `${this.fileName}: ${s.file}` : s.env;
  }

  /** A bad value of `s`, named where it came from. */
  bad(s: Setting, allowed: string, value?: string, fix?: string): ConfigError {
    return ConfigError.bad({ key: this.keyOf(s), value, secret: s.secret, allowed, fix });
  }

  /** The raw value of each setting: the environment's text converted by its type, else the file's value, else undefined. */
  raw(table: SettingTable): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, s] of Object.entries(table)) {
      const text = this.envText(s);
      if (text === undefined) {
        const v = this.fileValue(s);
        out[name] =
          s.type === 'pairs' && v !== undefined
            ? Object.entries(v as Record<string, string>)
                .map(([k, x]) => `${k}=${x}`)
                .join(',')
            : v;
        continue;
      }
      switch (s.type) {
        case 'number':
          out[name] = text.trim() === '' ? Number.NaN : Number(text);
          break;
        case 'list':
          out[name] = text
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean);
          break;
        case 'flag':
          out[name] = text === '1';
          break;
        default:
          out[name] = text;
      }
    }
    return out;
  }

  /** One section: merged, parsed by its schema, every setting recorded for `config check`. */
  section<T extends Record<string, unknown>>(section: string, table: SettingTable, schema: z.ZodType<T>): T {
    const raw = this.raw(table);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const name = String(issue.path[0]);
      const s = table[name];
      if (!s) throw new ConfigError(name, issue.message);
      const params = (issue as { params?: { value?: unknown; hideValue?: boolean; fix?: string } }).params;
      const envText = this.envText(s);
      const value = params?.hideValue
        ? undefined
        : params?.value !== undefined
          ? String(params.value)
          : issue.path.length === 1 && envText !== undefined
            ? envText
            : (() => {
                const v = getPath(raw, issue.path);
                return v === undefined || typeof v === 'object' ? undefined : String(v);
              })();
      throw this.bad(s, issue.message, value, params?.fix);
    }
    for (const [name, s] of Object.entries(table)) {
      const from = this.from(s);
      const given = from === 'environment' ? this.envText(s) : from === 'file' ? this.fileValue(s) : parsed.data[name];
      this.report.push({ section, env: s.env, file: s.file, key: this.keyOf(s), value: showValue(given, s.secret), from });
    }
    return parsed.data;
  }
}

/** A number read from text or YAML, checked by `ok`; `allowed` is the whole message after the value. */
export const numberWhere = (ok: (n: number) => boolean, allowed: string) => z.number({ error: allowed }).refine((n) => Number.isFinite(n) && ok(n), { error: allowed });

export const portNumber = (min: 0 | 1) => numberWhere((n) => Number.isInteger(n) && n >= min && n <= 65535, `is not a port number (${min}-65535)`);

/** KEY=VALUE,KEY=VALUE as a Map, each pair checked; a bad pair is the issue's value. */
export const pairsWhere = (ok: (k: string, v: string) => boolean, example: string) =>
  z.string().transform((text, ctx) => {
    const map = new Map<string, string>();
    for (const part of text
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const eq = part.indexOf('=');
      const k = part.slice(0, eq).trim();
      const v = part.slice(eq + 1).trim();
      if (eq <= 0 || !ok(k, v)) {
        ctx.addIssue({ code: 'custom', message: `is not ${example}`, params: { value: part } });
        return z.NEVER;
      }
      map.set(k, v);
    }
    return map;
  });

/** A list whose every item passes `ok`; a bad item is the issue's value. */
export const listWhere = (ok: (item: string) => boolean, allowed: string) =>
  z.array(z.string()).transform((items, ctx) => {
    const list = items.map((s) => s.trim()).filter(Boolean);
    const bad = list.find((s) => !ok(s));
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: allowed, params: { value: bad } });
      return z.NEVER;
    }
    return list;
  });

/** A string checked by `ok`. */
export const textWhere = (ok: (s: string) => boolean, allowed: string) => z.string().refine(ok, { error: allowed });
