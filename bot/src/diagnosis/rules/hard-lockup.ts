import type { Rule } from '../rule';
import { lockupFindings } from './lockups';

export const hardLockup: Rule = { id: 'hard-lockup', run: (ctx) => lockupFindings(ctx, 'hard-lockup', 'hard-lockup', 'Hard lockup') };
