// The error a call throws or a promise rejects with, for tests that inspect its fields (file, field, value); fails when nothing is thrown.
import type { PipelineError } from '../../src/pipeline/errors.ts';

export function thrown(f: () => unknown): PipelineError {
  try {
    f();
  } catch (e) {
    return e as PipelineError;
  }
  throw new Error('expected a throw');
}

/** The error a promise rejects with, for the same kind of test; fails when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<PipelineError> {
  try {
    await p;
  } catch (e) {
    return e as PipelineError;
  }
  throw new Error('expected a rejection');
}
