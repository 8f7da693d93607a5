import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { repoPath } from '../helpers/deploy/render-kustomize';

/**
 * deploy/slack/app-manifest.yaml against what the code really does: every
 * Web API method the bot calls and every Bolt listener it registers needs a
 * scope or an event subscription, and the manifest asks for those and no more.
 */
const SCOPES_OF_METHOD: Record<string, string[]> = {
  'chat.postMessage': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.update': ['chat:write'],
  'auth.test': [], // who the bot is, and readiness: no scope
  'chat.delete': ['chat:write'],
  'chat.getPermalink': [],
  'conversations.open': ['im:write'],
  'files.info': ['files:read'],
  'usergroups.users.list': ['usergroups:read'],
  'views.open': [],
};
/** Bolt `app.event(NAME)` -> the subscriptions and scopes that deliver it (message: public and private channel threads). */
const EVENTS_OF_LISTENER: Record<string, { events: string[]; scopes: string[] }> = {
  app_mention: { events: ['app_mention'], scopes: ['app_mentions:read'] },
  message: { events: ['message.channels', 'message.groups'], scopes: ['channels:history', 'groups:history'] },
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [readFileSync(p, 'utf8')] : [];
  });
}

const code = sources(repoPath('bot', 'src')).join('\n');
const manifest = YAML.parse(readFileSync(repoPath('deploy', 'slack', 'app-manifest.yaml'), 'utf8'));
const uniq = (xs: string[]): string[] => [...new Set(xs)].sort();

describe('the Slack app manifest', () => {
  const methods = uniq([...code.matchAll(/\bclient\.((?:[a-z]+\.)+[a-zA-Z]+)\(/g)].map((m) => m[1]));
  const listeners = uniq([...code.matchAll(/\bapp\.event\('([a-z_.]+)'/g)].map((m) => m[1]));
  const commands = uniq([...code.matchAll(/\bapp\.command\('([^']+)'/g)].map((m) => m[1]));

  it('finds what the code uses (the scan itself works)', () => {
    expect(methods).toEqual(expect.arrayContaining(['chat.postMessage', 'files.info', 'views.open', 'usergroups.users.list']));
    expect(listeners).toEqual(['app_mention', 'message']);
    expect(commands).toEqual(['/whystuck']);
  });

  it('asks for exactly the bot scopes the code needs', () => {
    const unknown = methods.filter((m) => !(m in SCOPES_OF_METHOD));
    expect(unknown).toEqual([]); // a new Web API call: add it and its scope to the table above and to the manifest
    const needed = uniq(['commands', ...methods.flatMap((m) => SCOPES_OF_METHOD[m]), ...listeners.flatMap((l) => EVENTS_OF_LISTENER[l]?.scopes ?? [`(unknown event ${l})`])]);
    expect(uniq(manifest.oauth_config.scopes.bot)).toEqual(needed);
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
  });

  it('subscribes to exactly the events the listeners handle', () => {
    expect(uniq(manifest.settings.event_subscriptions.bot_events)).toEqual(uniq(listeners.flatMap((l) => EVENTS_OF_LISTENER[l].events)));
  });

  it('declares the slash command the app registers, interactivity for its buttons and dialog, a bot user and Socket Mode', () => {
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual(commands);
    expect(/\bapp\.action\(/.test(code) && /\bapp\.view\(/.test(code)).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.features.bot_user.display_name).toBe('whystuck');
    expect(manifest.display_information.description.length).toBeLessThanOrEqual(140);
    // Socket Mode needs no public URL: none is set (the comments say where to put one for HTTP mode).
    expect(JSON.stringify(manifest)).not.toMatch(/request_url|"url"/);
  });
});
