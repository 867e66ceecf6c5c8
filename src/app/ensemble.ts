// A folder of cross-validation folds as one model: ensemble.json lists the member checkpoints (relative to the
// folder), whose probabilities are averaged. `spineseg predict --checkpoint runs/cv` and the page read it the same
// way. Node-free: the caller reads the file.
import { TTA_MODES, type TtaMode } from '../model/predict.ts';
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

/** A checkpoint's recorded default test-time augmentation (`inference.tta`, chosen by cross-validation), checked; 'none' when absent. */
export function inferenceTta(config: unknown, file: string): TtaMode {
  const tta = (config as { inference?: { tta?: unknown } } | null)?.inference?.tta;
  if (tta === undefined) return 'none';
  if (!(TTA_MODES as readonly unknown[]).includes(tta)) throw new Error(`${file}: inference.tta = ${JSON.stringify(tta)}: expected one of ${TTA_MODES.join(', ')}`);
  return tta as TtaMode;
}

/** The folder part of a dropped file's name ('' for a bare file name). */
export const dirOfFile = (name: string): string => name.replace(/\\/g, '/').replace(/[^/]*$/, '').replace(/\/$/, '');

/**
 * Dropped checkpoint files grouped into members by their folder (`cv/fold-1/checkpoint-best/config.json`): each folder
 * holding a config.json and a model.safetensors is one member. Given the parsed ensemble.json found among them (and
 * its folder), only the folders it lists, in its order. Returns the members, or what is missing, and the manifest file.
 */
export function groupCheckpointFiles<F extends { name: string }>(files: readonly F[], manifest?: { dir: string; parsed: EnsembleManifest }): { members: Array<{ dir: string; config: F; weights: F }>; missing: string | null; manifestFile: F | null } {
  const byDir = new Map<string, { config?: F; weights?: F }>();
  let manifestFile: F | null = null;
  for (const f of files) {
    const base = f.name.replace(/\\/g, '/').split('/').pop()!;
    if (base === ENSEMBLE_FILE) manifestFile = f;
    else if (/\.json$/i.test(base)) byDir.set(dirOfFile(f.name), { ...byDir.get(dirOfFile(f.name)), config: f });
    else if (/\.safetensors$/i.test(base)) byDir.set(dirOfFile(f.name), { ...byDir.get(dirOfFile(f.name)), weights: f });
  }
  if (manifest) {
    const members = manifest.parsed.members.map((m) => {
      const dir = manifest.dir ? memberPath(manifest.dir, m) : m;
      const v = byDir.get(dir);
      return v?.config && v.weights ? { dir, config: v.config, weights: v.weights } : dir;
    });
    const absent = members.find((m) => typeof m === 'string');
    if (absent !== undefined) return { members: [], missing: `config.json and model.safetensors in ${absent} (listed by ${ENSEMBLE_FILE})`, manifestFile };
    return { members: members as Array<{ dir: string; config: F; weights: F }>, missing: null, manifestFile };
  }
  const members = [...byDir.entries()].filter(([, v]) => v.config && v.weights).map(([dir, v]) => ({ dir, config: v.config!, weights: v.weights! }));
  const half = [...byDir.entries()].find(([, v]) => !(v.config && v.weights));
  const missing = members.length ? null : half ? `${half[1].config ? 'model.safetensors' : 'config.json'}${half[0] ? ` in ${half[0]}` : ''}` : 'config.json and model.safetensors';
  return { members: members.sort((a, b) => a.dir.localeCompare(b.dir, undefined, { numeric: true })), missing, manifestFile };
}
