import { describe } from 'vitest';
import { checks } from '../src/checks/winograd.ts';
import { checkTests } from './helpers/check-tests.ts';

describe('Winograd F(2x2,3x3) convolutions: GPU vs float64 reference and finite differences', () => checkTests(checks));
