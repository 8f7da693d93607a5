import type { Env } from './sources';

/**
 * The few settings the one-shot commands read without loading the bot's whole
 * configuration, so a bad bot setting does not stop `diagnose --ssh`, nor
 * `whystuck start` choosing between the Slack bot and the terminal.
 */
export interface CliSettings {
  /** SLACK_BOT_TOKEN is set: `whystuck start` runs the Slack bot. */
  slackConfigured: boolean;
  /** WHYSTUCK_SSH_KEY_PASSPHRASE, for `diagnose --ssh --ssh-key FILE`. */
  sshKeyPassphrase?: string;
  /** WHYSTUCK_NODE_NAME: this machine's node name, else the hostname. */
  nodeName?: string;
}

export const cliSettings = (env: Env): CliSettings => ({
  slackConfigured: Boolean(env.SLACK_BOT_TOKEN),
  sshKeyPassphrase: env.WHYSTUCK_SSH_KEY_PASSPHRASE || undefined,
  nodeName: env.WHYSTUCK_NODE_NAME || undefined,
});
