import type { Rule } from '../rule';
import { lockupFindings } from './lockups';

export const rcuStall: Rule = { id: 'rcu-stall', run: (ctx) => lockupFindings(ctx, 'rcu-stall', 'rcu-stall', 'RCU stall') };
