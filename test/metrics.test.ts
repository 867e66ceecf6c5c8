import { describe } from 'vitest';
import { checks } from '../src/checks/metrics.ts';
import { checkTests } from './helpers/check-tests.ts';

describe('metrics: confusion counts, exact EDT and surface distances vs the float64 reference', () => checkTests(checks));
