// Writes the test cohort of test/cohort.test.ts (12 studies: 6 phantom volumes, 5 folders of sample slices,
// 1 broken) for scripts/slurm-local.sh and for trying `predict --cohort` by hand:
//   npx tsx scripts/make-test-cohort.ts DIR
import fs from 'node:fs';
import { writeTestCohort } from '../test/helpers/cohort-fixture.ts';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: npx tsx scripts/make-test-cohort.ts DIR (DIR must not exist)\n');
  process.exit(1);
}
if (fs.existsSync(dir)) {
  process.stderr.write(`${dir}: already exists\n`);
  process.exit(1);
}
const ids = await writeTestCohort(dir);
process.stdout.write(`wrote ${ids.length} studies to ${dir}: ${ids.join(' ')}\n`);
