// Imports every kernel module so the registry (src/kernels/runner.ts) lists them all: used by `doctor`,
// the benchmarks and the browser check page.
import './elementwise.ts';
import './reduce.ts';
import './matmul.ts';
import './transpose.ts';
import './conv2d.ts';
import './winograd.ts';
import './batchnorm.ts';
import './leaky_relu.ts';
import './maxpool.ts';
import './dropout.ts';
import './concat.ts';
import './focal_dice.ts';
import './softmax.ts';
import './adam.ts';
import './confusion.ts';
import './edt.ts';
import './surface.ts';
import './augment.ts';

export { registry } from './runner.ts';
