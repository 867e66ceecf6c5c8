import { describe } from 'vitest';
import { checks } from '../src/checks/nn.ts';
import { checkTests } from './helpers/check-tests.ts';

describe('NN ops, Adam and init: GPU vs float64 reference and finite differences', () => checkTests(checks));
