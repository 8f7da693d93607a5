import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { SlackCall } from '../../helpers/bot/fake-slack-api';
import { mentionEventBody, messageEventBody } from '../../helpers/bot/signed-request';
import { actionIds, allText, blocksOf, BOT_TOKEN, openAnalyzeDialog, pasteThread, startTestBot, submitAnalyzeDialog, type AnalyzeModal, type TestBot } from '../../helpers/bot/test-bot';

const corpus = (id: string): string => readFileSync(join(__dirname, '../../fixtures/corpus', id, 'input.txt'), 'utf8');
/** `cat /proc/PID/stat` before the crash bt: the paste then carries a start time, like a live snapshot would. */
const STAT =
  '$ cat /proc/112272/stat\n112272 (runc:[2:INIT]) D 112260 112272 112260 0 -1 4194560 3042 0 0 0 12 310 0 0 20 0 1 0 17708600 7536640 1750 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 21 0 0 0 0 0\n\n';
const MEMCG_PASTE = STAT + corpus('s-006-runc-init-cow-memcg-reclaim');

describe('Slack: analysing pasted text and uploaded files', () => {
  let t: TestBot;
  const replies = (threadTs: string, after = 0): SlackCall[] => t.slack.calls.slice(after).filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === threadTs);

  beforeAll(async () => {
    t = await startTestBot({ env: { WHYSTUCK_PASTE_MAX_BYTES: '8192' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const openModal = (channel?: string): Promise<AnalyzeModal> => openAnalyzeDialog(t, channel);
  const submit = (modal: AnalyzeModal, text: string | null, privateMetadata?: string) => submitAnalyzeDialog(t, modal, text, privateMetadata);
  const memcgThread = () => pasteThread(t, MEMCG_PASTE);

  it('/whystuck analyze opens a dialog with a multiline box; the channel rides in private_metadata', async () => {
    const modal = await openModal('C0OTHER');
    expect(modal.callback_id).toBe('whystuck_analyze');
    expect(JSON.parse(modal.private_metadata)).toEqual({ channel: 'C0OTHER' });
    expect(modal.blocks[0]).toMatchObject({ type: 'input', element: { type: 'plain_text_input', multiline: true, max_length: 3000 } });
    // Nothing is posted for the command itself.
    expect(t.slack.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.postEphemeral')).toEqual([]);
  });

  it('a submitted paste closes the dialog and is diagnosed in a thread of the channel it came from, with words and no buttons', async () => {
    const { root, reply } = await memcgThread();
    expect(root.args).toMatchObject({ channel: 'C0INCIDENT', text: 'Analysing a paste from <@U0ONCALL>…' });
    expect(reply.args.channel).toBe('C0INCIDENT');
    expect(blocksOf(reply)[0].text?.text).toMatch(/runc:\[2:INIT\] \(pid 112272\) loops in memory-cgroup reclaim on a page fault/);
    const text = allText(reply);
    expect(JSON.stringify(blocksOf(reply))).toMatch(/pasted by <@U0ONCALL> · read stat \(lines 2\); crash-bt \(lines 4-24\)/);
    expect(text).toMatch(/:white_check_mark: SIGKILL to pid 112272: /);
    // The paste names a start time and SIGKILL would work, but a paste never becomes a signal button; nothing live to recheck.
    expect(actionIds(reply).filter((id) => id.startsWith('remediate_'))).toEqual([]);
    expect(actionIds(reply)).toEqual(['escalate']);
  });

  it('from a channel the bot is not in, the analysis arrives in a direct message saying why', async () => {
    t.slack.refuseChannel('C0NOTIN', 'not_in_channel');
    const modal = await openModal('C0NOTIN');
    const mark = t.slack.calls.length;
    expect((await submit(modal, MEMCG_PASTE)).status).toBe(200);
    const why = await t.slack.waitFor(
      (c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.channel === 'D0ONCALL' && c.args.thread_ts === undefined && /cannot post/.test(String(c.args.text)),
    );
    expect(why.args.text).toBe('I cannot post in <#C0NOTIN> (not_in_channel): invite me there with `/invite @whystuck`. Here is your analysis instead.');
    const root = await t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === 'D0ONCALL' && c.args.text === 'Analysing a paste from <@U0ONCALL>…');
    const reply = await t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === root.reply?.ts);
    expect(blocksOf(reply)[0].text?.text).toMatch(/memory-cgroup reclaim/);
  });

  it('an empty or unreadable paste keeps the dialog open with the reason under the box', async () => {
    const modal = await openModal();
    const before = t.slack.calls.filter((c) => c.method === 'chat.postMessage').length;
    const empty = JSON.parse((await submit(modal, '   \n ')).text);
    expect(empty).toEqual({ response_action: 'errors', errors: { paste: expect.stringMatching(/^The box is empty: paste dmesg/) } });
    expect(JSON.parse((await submit(modal, null)).text).errors.paste).toMatch(/The box is empty/);
    const prose = JSON.parse((await submit(modal, 'the pod is stuck again\ncan someone look?')).text);
    expect(prose.errors.paste).toMatch(/^Nothing in this paste \(2 lines\) reads as a kernel log \(dmesg, dmesg -T, journalctl -k/);
    expect(JSON.parse((await submit(modal, MEMCG_PASTE, 'not json')).text).errors.paste).toMatch(/lost track of its channel/);
    expect(prose.errors.paste.length).toBeLessThanOrEqual(300);
    await new Promise((r) => setTimeout(r, 200));
    expect(t.slack.calls.filter((c) => c.method === 'chat.postMessage').length).toBe(before);
  });

  it('text pasted in the thread is analysed there (Slack escapes and code fences undone); talk in the thread is left alone', async () => {
    const { threadTs } = await memcgThread();
    const mark = t.slack.calls.length;
    await t.send(messageEventBody({ text: 'thanks, looking at it now', threadTs }));
    const slackEscaped = `\`\`\`${corpus('r-001-hung-task-fuse-6x').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}\`\`\``;
    await t.send(messageEventBody({ text: slackEscaped, threadTs, user: 'U0SRE' }));
    const answer = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs);
    expect(blocksOf(answer)[0].text?.text).toMatch(/FUSE daemon does not answer/);
    expect(JSON.stringify(blocksOf(answer))).toMatch(/pasted by <@U0SRE> · read dmesg \(lines 2-65\)/);
    await new Promise((r) => setTimeout(r, 300));
    expect(replies(threadTs, mark)).toHaveLength(1);
  });

  it('a file uploaded in the thread is downloaded with the bot token and analysed there; follow-ups use it', async () => {
    const { threadTs } = await memcgThread();
    const file = t.slack.addFile('dmesg-node7.txt', corpus('s-001-pod-terminating-zap-pid-ns'));
    const mark = t.slack.calls.length;
    await t.send(messageEventBody({ text: 'here is what the node says', threadTs, files: [file] }));
    const answer = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs);
    expect(blocksOf(answer)[0].text?.text).toMatch(/PID-namespace teardown blocked: catatonit \(pid 22026\) waits in zap_pid_ns_processes/);
    const download = t.slack.calls.find((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'file.download')!;
    expect(download.args.id).toBe(file.id);
    expect(download.token).toBe(BOT_TOKEN);
    // The thread now follows the uploaded evidence.
    const m2 = t.slack.calls.length;
    await t.send(mentionEventBody({ text: '<@UBOT> show the stack of 22026', threadTs }));
    const stack = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= m2 && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs);
    expect(String(stack.args.text)).toMatch(/zap_pid_ns_processes/);
  });

  it('files over the size cap are refused before download, or cut off when the metadata understated them', async () => {
    const { threadTs } = await memcgThread();
    const big = t.slack.addFile('dmesg-full.txt', corpus('s-002-ceph-full-d-state'));
    let mark = t.slack.calls.length;
    await t.send(messageEventBody({ threadTs, files: [big] }));
    const refused = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs);
    expect(refused.args.text).toBe(
      ':warning: I could not analyse that: dmesg-full.txt is 14.1 KB; I read at most 8.0 KB per message (WHYSTUCK_PASTE_MAX_BYTES). Upload the part around the incident, e.g. `dmesg -T | tail -n 5000`.',
    );
    expect(t.slack.calls.slice(mark).some((c) => c.method === 'file.download')).toBe(false);

    const liar = t.slack.addFile('small.txt', corpus('s-002-ceph-full-d-state'), { size: 1000 });
    mark = t.slack.calls.length;
    await t.send(messageEventBody({ threadTs, files: [liar] }));
    const cut = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs);
    expect(cut.args.text).toMatch(/small\.txt is larger than 8\.0 KB, the most I read per message/);
  });

  it('files not hosted by Slack never get the token; images and stubs are handled', async () => {
    const { threadTs } = await memcgThread();
    const seen: string[] = [];
    const other: Server = createServer((req, res) => {
      seen.push(String(req.headers.authorization ?? 'none'));
      res.end('[ 1.0] INFO: task x:1 blocked for more than 120 seconds.');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    try {
      const port = (other.address() as { port: number }).port;
      const foreign = { id: 'F0EVIL', name: 'dmesg.txt', mimetype: 'text/plain', size: 60, mode: 'hosted', url_private: `http://127.0.0.1:${port}/dmesg.txt` };
      let mark = t.slack.calls.length;
      await t.send(messageEventBody({ threadTs, files: [foreign] }));
      const refused = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs);
      expect(refused.args.text).toMatch(/dmesg\.txt is not hosted by Slack \(127\.0\.0\.1:\d+\); I only send my token to Slack/);
      expect(seen).toEqual([]);

      // A Slack URL that redirects elsewhere (a CDN, a pre-signed link): followed, but without the token.
      const redirected = t.slack.addFile('dmesg-cdn.txt', '', { redirectTo: `http://127.0.0.1:${port}/signed/dmesg.txt` });
      mark = t.slack.calls.length;
      await t.send(messageEventBody({ threadTs, files: [redirected] }));
      const viaCdn = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs);
      expect(blocksOf(viaCdn)[0].text?.text).toMatch(/hung task/);
      expect(t.slack.calls.find((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'file.download')?.token).toBe(BOT_TOKEN);
      expect(seen).toEqual(['none']);

      const image = t.slack.addFile('screenshot.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]), { mimetype: 'image/png' });
      mark = t.slack.calls.length;
      await t.send(messageEventBody({ threadTs, files: [image] }));
      const img = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs);
      expect(img.args.text).toMatch(/screenshot\.png is image\/png; I read text/);

      // New-style upload events carry only the id: files.info has the rest.
      const real = t.slack.addFile('crash-bt.txt', corpus('s-006-runc-init-cow-memcg-reclaim'));
      mark = t.slack.calls.length;
      await t.send(messageEventBody({ threadTs, files: [{ id: real.id, file_access: 'check_file_info' }] }));
      const answer = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs);
      expect(blocksOf(answer)[0].text?.text).toMatch(/memory-cgroup reclaim/);
      expect(t.slack.calls.slice(mark).map((c) => c.method)).toEqual(expect.arrayContaining(['files.info', 'file.download']));
    } finally {
      await new Promise((r) => (other.closeAllConnections(), other).close(r));
    }
  });

  it('"@whystuck analyze" in a channel opens a paste thread; pastes elsewhere and the bot\'s own messages are ignored', async () => {
    let mark = t.slack.calls.length;
    const mention = JSON.parse(mentionEventBody({ text: '<@UBOT> analyze' }));
    await t.send(JSON.stringify(mention));
    const hint = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage');
    expect(hint.args.thread_ts).toBe(mention.event.ts);
    expect(hint.args.text).toMatch(/upload it as a file in this thread, and I will analyse it\. \(files up to 8\.0 KB\)/);
    const threadTs = mention.event.ts as string;
    mark = t.slack.calls.length;
    // Someone else's thread (not started by or with whystuck): silence, even for a real paste.
    await t.send(messageEventBody({ text: corpus('s-006-runc-init-cow-memcg-reclaim'), threadTs: '1690000000.000100', parentUserId: 'U0OTHER' }));
    // The bot's own messages are never read back.
    await t.send(messageEventBody({ text: corpus('s-006-runc-init-cow-memcg-reclaim'), threadTs, botId: 'BBOT' }));
    await t.send(messageEventBody({ text: corpus('s-006-runc-init-cow-memcg-reclaim'), threadTs, parentUserId: 'U0ONCALL' }));
    const answer = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage');
    expect(answer.args.thread_ts).toBe(threadTs);
    expect(blocksOf(answer)[0].text?.text).toMatch(/memory-cgroup reclaim/);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.slack.calls.slice(mark).filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
  });

  it('never logs the bot token', () => {
    expect(t.logLines.join('')).not.toContain(BOT_TOKEN);
  });
});
