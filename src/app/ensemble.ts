// A folder of cross-validation folds as one model: ensemble.json lists the member checkpoints (relative to the
// folder), whose probabilities are averaged. `spineseg predict --checkpoint runs/cv` and the page read it the same
// way. Node-free: the caller reads the file.
export const ENSEMBLE_FILE = 'ensemble.json';

export interface EnsembleManifest {
  format: 'spineseg-ensemble';
  version: 1;
  /** member checkpoint folders, relative to the manifest's folder */
  members: string[];
  about?: string;
}

/** Checks a parsed ensemble.json; a bad field is an error naming the file, the field and the value. */
export function parseEnsembleManifest(json: unknown, file: string): EnsembleManifest {
  const m = json as Partial<EnsembleManifest> | null;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new Error(`${file}: expected a JSON object`);
  if (m.format !== 'spineseg-ensemble') throw new Error(`${file}: format = ${JSON.stringify(m.format)}: expected "spineseg-ensemble"`);
  if (m.version !== 1) throw new Error(`${file}: version = ${JSON.stringify(m.version)}: expected 1`);
  if (!Array.isArray(m.members) || m.members.length === 0 || !m.members.every((x) => typeof x === 'string' && x.length > 0)) {
    throw new Error(`${file}: members = ${JSON.stringify(m.members)}: expected a non-empty list of folder names`);
  }
  for (const x of m.members) if (x.startsWith('/') || x.split(/[\\/]/).includes('..')) throw new Error(`${file}: members entry ${JSON.stringify(x)}: must be a folder inside the ensemble's folder`);
  return m as EnsembleManifest;
}

/** A member's folder joined to the manifest's folder (a URL or a path, '/'-separated). */
export const memberPath = (base: string, member: string): string => `${base.replace(/\/+$/, '')}/${member}`;
