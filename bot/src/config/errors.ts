/**
 * The one error every configuration problem becomes: the key (an environment
 * variable, or `FILE: path` for the YAML file), the bad value (never for a
 * secret), what is allowed and how to fix it. `message` reads
 * `KEY: "VALUE" ALLOWED; FIX`, the form the bot and `whystuck config check` print.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** What is allowed (or what is wrong), and how to fix it: the message after the key. */
  readonly detail: string;
  constructor(
    readonly key: string,
    detail: string,
    readonly value?: string,
  ) {
    super(`${key}: ${value !== undefined ? `"${value}" ` : ''}${detail}`);
    this.detail = detail;
  }

  /** A bad value: `KEY: "VALUE" ALLOWED` (+ `; FIX`). A secret's value is never shown. */
  static bad(p: { key: string; value?: string; secret?: boolean; allowed: string; fix?: string }): ConfigError {
    const detail = `${p.allowed}${p.secret ? ' (value not shown)' : ''}${p.fix ? `; ${p.fix}` : ''}`;
    return new ConfigError(p.key, detail, p.secret ? undefined : p.value);
  }
}
