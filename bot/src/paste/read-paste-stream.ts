import type { Readable } from 'node:stream';
import type { Evidence } from '../evidence/evidence';
import { createPasteReader, MAX_LINE_CHARS } from './paste-reader';

/**
 * Streams a paste through the reader with bounded memory whatever the input
 * size. Lines are decoded one by one from the byte chunks, so a line kept as
 * evidence never pins its whole chunk in memory (a sliced string would); a
 * line longer than the limit is skipped and reported, not buffered. Invalid
 * UTF-8 becomes U+FFFD and is read like any other text.
 */
export async function readPasteStream(input: Readable): Promise<Evidence> {
  const reader = createPasteReader();
  const tooLong = `line longer than ${MAX_LINE_CHARS} characters`;
  let carry: Buffer | null = null;
  let overlong = false;
  for await (const data of input) {
    const chunk: Buffer = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      if (overlong) reader.skipLine(tooLong);
      else if (carry) reader.line(Buffer.concat([carry, chunk.subarray(start, nl)]).toString('utf8'));
      else reader.line(chunk.toString('utf8', start, nl));
      carry = null;
      overlong = false;
      start = nl + 1;
    }
    if (start < chunk.length && !overlong) {
      const rest = chunk.subarray(start);
      if ((carry?.length ?? 0) + rest.length > MAX_LINE_CHARS * 4) {
        overlong = true;
        carry = null;
      } else carry = carry ? Buffer.concat([carry, rest]) : Buffer.from(rest);
    }
  }
  if (overlong) reader.skipLine(tooLong);
  else if (carry) reader.line(carry.toString('utf8'));
  return reader.finish();
}
