// The pipeline's seeded generator is the project's one generator (src/util/random.ts); this module only
// re-exports it for the pipeline modules that import it from here.
export { seededRandom, gaussian, shuffleInPlace } from '../util/random.ts';
