// Stand-in for src/cli/main.ts in tests: a fresh commander program with the pipeline verbs only.
import { Command } from 'commander';
import { register as registerPrepare } from '../../src/cli/prepare.ts';
import { register as registerPhantom } from '../../src/cli/phantom.ts';

const program = new Command('spineseg').exitOverride((err) => {
  process.exitCode = err.exitCode === 0 ? 0 : 2;
  throw err;
});
registerPrepare(program);
registerPhantom(program);
try {
  await program.parseAsync(process.argv);
} catch {
  process.exitCode ||= 2;
}
