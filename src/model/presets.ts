// Training presets of `spineseg train --preset`: flag values applied before the command line, so an
// explicit flag overrides its preset. Listed by `spineseg train --help` and docs/TRAINING.md.
export const TRAIN_PRESETS: Record<string, { about: string; flags: Record<string, string> }> = {
  paper: {
    about: 'the publication: full resolution, full width, constant Adam 1e-3, no augmentation',
    flags: { size: '512x640', widthMult: '1', batch: '8', lr: '0.001', lrSchedule: 'constant', bnMomentum: '0.99', patience: '10', augment: 'none' },
  },
  cpu: {
    about: 'a 2-core CPU in a little over an hour (the shipped model: 73 min on an idle 2-core machine): 192x240, width x0.25, poly decay, default augmentation',
    flags: { size: '192x240', widthMult: '0.25', batch: '8', lr: '0.002', lrSchedule: 'poly', augment: 'default', bnMomentum: '0.9', epochs: '40', patience: '40' },
  },
};

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The presets as help text: one line per preset with its flags. */
export function presetHelp(): string {
  return Object.entries(TRAIN_PRESETS)
    .map(([name, p]) => `  ${name}: ${p.about}\n    ${Object.entries(p.flags).map(([k, v]) => `${flagName(k)} ${v}`).join(' ')}`)
    .join('\n');
}

/**
 * Options with the preset applied: a preset value replaces an option the user did not set
 * (`isSetByUser(key)` false); an unknown preset is an error naming the flag.
 */
export function applyPreset<T extends Record<string, unknown>>(options: T, preset: string | undefined, isSetByUser: (key: string) => boolean): T {
  if (preset === undefined) return options;
  // own keys only: 'toString' and the like are not presets
  const p = Object.hasOwn(TRAIN_PRESETS, preset) ? TRAIN_PRESETS[preset] : undefined;
  if (!p) throw new Error(`--preset '${preset}' is not one of ${Object.keys(TRAIN_PRESETS).join(', ')}`);
  const out: Record<string, unknown> = { ...options };
  for (const [k, v] of Object.entries(p.flags)) if (!isSetByUser(k)) out[k] = v;
  return out as T;
}
