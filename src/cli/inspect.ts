// `spineseg inspect PATH...`: the DICOM series listing and the geometry predict would use, for any input it reads.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('inspect')
    .description('list the DICOM series of an input (or an image file\'s geometry) and the geometry predict would use')
    .argument('<path...>', 'DICOM folders or files, or .png/.mha/.nii(.gz) images')
    .option('--series <number|uid>', 'the series predict would be given')
    .option('--allow-modality', 'as predict --allow-modality')
    .action(async (paths: string[], o: { series?: string; allowModality?: boolean }) => {
      const { inspectInput } = await import('../app/inspect.ts');
      for (const line of await inspectInput(paths, { series: o.series, allowModality: o.allowModality })) console.log(line);
    });
}
