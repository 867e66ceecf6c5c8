// Reverse-mode autodiff: a topological sort of the graph behind the loss, then one loop calling each
// op's backward rule (the rules live beside their ops in src/graph/ops.ts and src/graph/nn.ts).
import { Tensor, type GradNode } from './tensor.ts';
import { binary } from '../kernels/elementwise.ts';

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording gradient nodes (inference, evaluation). */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}

/** Attaches a gradient node to `out` when any input needs a gradient. Returns `out`. */
export function record(out: Tensor, node: GradNode): Tensor {
  if (gradEnabled && node.inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.creator = node;
  } else node.release?.();
  return out;
}

/**
 * Back-propagates from `root` (a scalar loss unless `seed` is given) and stores gradients in `.grad`
 * of every leaf tensor that has `requiresGrad`. Intermediate gradients are disposed as soon as used.
 */
export function backward(root: Tensor, seed?: Tensor): void {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const visit = (t: Tensor) => {
    if (seen.has(t)) return;
    seen.add(t);
    for (const i of t.creator?.inputs ?? []) visit(i);
    order.push(t);
  };
  visit(root);
  const grads = new Map<Tensor, Tensor>();
  grads.set(root, seed ?? Tensor.fromData(new Float32Array(root.size).fill(1), root.shape));
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    const g = grads.get(t);
    if (!g) continue;
    if (!t.creator) {
      if (t.requiresGrad) t.grad = t.grad ? accumulate(t.grad, g) : g;
      else g.dispose();
      continue;
    }
    const inputGrads = t.creator.backward(g);
    t.creator.inputs.forEach((input, i) => {
      const ig = inputGrads[i];
      if (!ig) return;
      if (!input.requiresGrad) {
        ig.dispose();
        return;
      }
      const prev = grads.get(input);
      grads.set(input, prev ? accumulate(prev, ig) : ig);
    });
    if (g !== seed) g.dispose();
  }
}

/** Sums two gradients of one tensor (same shape; gradients are never on the tape, so the kernel alone). */
function accumulate(a: Tensor, b: Tensor): Tensor {
  const s = binary('add', a, b);
  a.dispose();
  b.dispose();
  return s;
}
