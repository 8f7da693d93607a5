import type { Rule } from '../rule';
import { lockupFindings } from './lockups';

export const softLockup: Rule = { id: 'soft-lockup', run: (ctx) => lockupFindings(ctx, 'soft-lockup', 'soft-lockup', 'Soft lockup') };
