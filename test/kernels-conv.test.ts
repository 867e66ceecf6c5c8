import { describe } from 'vitest';
import { checks } from '../src/checks/conv.ts';
import { checkTests } from './helpers/check-tests.ts';

describe('convolutions: GPU vs float64 reference and finite differences', () => checkTests(checks));
