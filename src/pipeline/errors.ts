/** A data-pipeline failure a user can act on: the message names the file, the field and the bad value. */
export class PipelineError extends Error {
  readonly file: string | undefined;
  readonly field: string | undefined;
  readonly value: unknown;

  constructor(message: string, details: { file?: string; field?: string; value?: unknown } = {}) {
    super(message);
    this.name = 'PipelineError';
    this.file = details.file;
    this.field = details.field;
    this.value = details.value;
  }
}

/** Builds the standard "<file>: <field> = <value>: <reason>" error. */
export function fieldError(file: string, field: string, value: unknown, reason: string): PipelineError {
  return new PipelineError(`${file}: ${field} = ${formatValue(value)}: ${reason}`, { file, field, value });
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.join(' ')}]`;
  return String(value);
}
