import { describe } from 'vitest';
import { checks } from '../src/checks/epilogue.ts';
import { checkTests } from './helpers/check-tests.ts';

describe('fused convolution epilogues and Winograd tile bands: GPU vs float64 reference and finite differences', () => checkTests(checks));
