// spineseg command line: verbs in the nnU-Net habit (doctor | phantom | prepare | train | evaluate |
// predict | demo | summary | bench). Each verb lives in its own module with a register(program) function.
import { setting } from '../runtime/settings.ts';
import { Command, CommanderError } from 'commander';

/** Verb modules, loaded lazily so `spineseg doctor` does not pay for itk-wasm or the model. */
const verbs = ['doctor', 'phantom', 'prepare', 'evaluate', 'summary', 'train', 'predict', 'inspect', 'collect', 'postprocess', 'demo', 'bench', 'tune'];

/**
 * The program with its verbs. Given the command line, only the verb it names is loaded (`spineseg predict ...`
 * imports neither the trainer nor the benchmarks: about 0.3-0.4 s of CPU less at every start, measured in
 * bench/RESULTS.md "Cold start"); without one (`--help`, `help predict`, a typo) every verb is, so the help and
 * commander's "did you mean" list them all.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const named = argv?.[2];
  const wanted = named !== undefined && verbs.includes(named) ? [named] : verbs;
  const program = new Command('spineseg')
    .description('Lumbar-spine MRI segmentation (the SPIDER U-Net) on hand-written WebGPU kernels')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const verb of wanted) {
    let mod: { register(p: Command): void };
    try {
      mod = await import(`./${verb}.ts`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(`${verb}.ts`)) continue;
      throw e;
    }
    mod.register(program);
  }
  return program;
}

/** Runs the CLI; errors become one line on stderr and a non-zero exit code. */
export async function main(argv: string[]): Promise<void> {
  let code = 0;
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode;
    else {
      process.stderr.write(`spineseg: ${(e as Error).message ?? String(e)}\n`);
      // the `debug` setting (SPINESEG_DEBUG); a malformed variable must not throw again in this handler
      let debug = false;
      try {
        debug = setting('debug');
      } catch {
        debug = Boolean(process.env.SPINESEG_DEBUG);
      }
      if (debug) console.error(e);
      // a run stopped by a signal exits as the shell expects (130 for SIGINT, 143 for SIGTERM)
      const own = (e as { exitCode?: unknown }).exitCode;
      code = typeof own === 'number' && Number.isInteger(own) && own > 0 ? own : 1;
    }
  }
  // Dawn keeps the event loop alive: end explicitly once the verb is done.
  process.exit(code || process.exitCode || 0);
}
