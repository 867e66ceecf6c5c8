// The autograd layer's tensor: the runtime GPU tensor (src/runtime/tensor.ts) plus the tape fields
// `requiresGrad`, `grad` and `creator`. The fields are added to the same class (a module augmentation),
// not to a subclass, so tensors that kernels allocate can join the tape without a copy.
import { Tensor, onDispose } from '../runtime/tensor.ts';

export { Tensor, numel, scoped, scopedAsync, keep, type DType } from '../runtime/tensor.ts';

/** How a tensor was made, for backward: the inputs and the rule mapping the output gradient to theirs. */
export interface GradNode {
  op: string;
  inputs: Tensor[];
  /** gradient of the loss w.r.t. each input (null where an input needs none) */
  backward(gradOut: Tensor): (Tensor | null)[];
  /** releases tensors saved for backward */
  release?(): void;
}

declare module '../runtime/tensor.ts' {
  interface Tensor {
    requiresGrad: boolean;
    grad: Tensor | null;
    creator: GradNode | null;
  }
}

Tensor.prototype.requiresGrad = false;
Tensor.prototype.grad = null;
Tensor.prototype.creator = null;

// a disposed tensor drops its saved backward state and its gradient
onDispose((t) => {
  t.creator?.release?.();
  t.creator = null;
  if (t.grad) {
    t.grad.dispose();
    t.grad = null;
  }
});
