/**
 * What the normaliser hands the paste reader, one record per logical line,
 * always in input order and always with the original line numbers:
 *   text  a line to read (`last`: the original line of the last wrapped
 *         continuation joined onto it; `plain`: known to hold only printable
 *         ASCII without markdown's ` ~ < & \, so markdown has nothing to undo)
 *   cut   a `[...]` / "snip" mark: the paste was cut here
 *   skip  a line that could not be read at all (binary, too long)
 */
export type NormalLine = { kind: 'text'; text: string; line: number; last?: number; plain?: boolean } | { kind: 'cut'; line: number } | { kind: 'skip'; line: number; reason: string };

/** One step of the normaliser: takes records in order, passes records on in order. */
export interface LineStage {
  push(r: NormalLine): void;
  end(): void;
}

/**
 * A stage that can tell, for a plain text line (printable ASCII, not blank,
 * not starting with a blank), that pushing it would pass it on unchanged at
 * once: `passes` then notes the line as push would and returns true, and the
 * caller hands the line to the next stage itself (the fast way through the
 * normaliser for most lines of a log). False: nothing was noted, push it.
 */
export interface PassingStage extends LineStage {
  passes(r: Extract<NormalLine, { kind: 'text' }>): boolean;
}

/** A lookahead stage and how many records it holds back. */
export interface LookaheadStage extends LineStage {
  readonly held: number;
}

export type LineSink = (r: NormalLine) => void;

/**
 * A stage that decides on each record with a bounded view of the records
 * after it (`ahead`, at most `size` of them, fewer at the end of the input).
 * `decide` may take records off the front of `ahead` when it consumes them.
 * A record that `needs` no lookahead, arriving when nothing waits, is decided
 * at once: most lines of a long log never wait.
 */
export function lookahead(size: number, decide: (head: NormalLine, ahead: NormalLine[]) => void, needs: (r: NormalLine) => boolean = () => true): LookaheadStage {
  const queue: NormalLine[] = [];
  return {
    get held() {
      return queue.length;
    },
    push(r) {
      if (queue.length === 0 && !needs(r)) {
        decide(r, queue);
        return;
      }
      queue.push(r);
      while (queue.length > size) decide(queue.shift()!, queue);
    },
    end() {
      while (queue.length) decide(queue.shift()!, queue);
    },
  };
}

/** A stage that changes each record on its own. */
export function perLine(sink: LineSink, map: (r: NormalLine, emit: LineSink) => void): LineStage {
  return { push: (r) => map(r, sink), end: () => undefined };
}

export const isBlank = (r: NormalLine): boolean => r.kind !== 'text' || r.text.trim() === '';
