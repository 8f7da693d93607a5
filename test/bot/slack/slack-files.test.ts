import type { WebClient } from '@slack/web-api';
import { startFakeSlackApi, type FakeSlackApi } from '../../helpers/bot/fake-slack-api';
import { BOT_TOKEN } from '../../helpers/bot/test-bot';
import { prepareSlackFiles } from '../../../bot/src/slack/slack-files';

/**
 * An upload is checked at once (files.info, its size) and downloaded only when
 * its paste may be read: one waiting for an analysis slot holds no download
 * and no download timeout.
 */
describe('Slack file downloads', () => {
  let slack: FakeSlackApi;
  beforeAll(async () => {
    slack = await startFakeSlackApi();
  });
  afterAll(async () => {
    await slack?.close();
  });
  const MB = 1024 * 1024;
  const noClient = {} as WebClient; // the files carry their URLs: files.info is not asked

  it('are not started before they are opened: checked first (a file over the limit is refused at once), downloaded when asked', async () => {
    const file = slack.addFile('dmesg.txt', '[ 1.0] INFO: task x:1 blocked for more than 120 seconds.\n');
    const mark = slack.calls.length;
    const open = await prepareSlackFiles([file], { client: noClient, botToken: BOT_TOKEN, apiUrl: slack.url, maxBytes: 1024 });
    await new Promise((r) => setTimeout(r, 100));
    expect(slack.calls.slice(mark).filter((c) => c.method === 'file.download')).toHaveLength(0);
    const chunks: Buffer[] = [];
    for await (const c of open()) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toMatch(/^\[ 1\.0\] INFO: task x:1 blocked/);
    expect(
      slack.calls
        .slice(mark)
        .filter((c) => c.method === 'file.download')
        .map((c) => c.token),
    ).toEqual([BOT_TOKEN]);
    const big = slack.addFile('big.txt', Buffer.alloc(3 * MB, 'a'));
    await expect(prepareSlackFiles([big], { client: noClient, botToken: BOT_TOKEN, apiUrl: slack.url, maxBytes: 2 * MB })).rejects.toThrow(
      'big.txt is 3.0 MB; I read at most 2.0 MB per message (WHYSTUCK_PASTE_MAX_BYTES). Upload the part around the incident, e.g. `dmesg -T | tail -n 5000`',
    );
  });
});
