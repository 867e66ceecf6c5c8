import { describe } from 'vitest';
import { checks } from '../src/checks/schedule.ts';
import { checkTests } from './helpers/check-tests.ts';

describe('learning-rate schedules: GPU vs float64 reference', () => checkTests(checks));
