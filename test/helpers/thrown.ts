// The error a call throws, for tests that inspect its fields (file, field, value); fails when nothing is thrown.
import type { PipelineError } from '../../src/pipeline/errors.ts';

export function thrown(f: () => unknown): PipelineError {
  try {
    f();
  } catch (e) {
    return e as PipelineError;
  }
  throw new Error('expected a throw');
}
