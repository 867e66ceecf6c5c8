import { describe } from 'vitest';
import { checks } from '../src/checks/augment.ts';
import { checkTests } from './helpers/check-tests.ts';

describe('augmentation kernels: GPU vs float64 reference', () => checkTests(checks));
