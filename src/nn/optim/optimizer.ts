/**
 * What every optimiser shares: the parameter list and clearing gradients.
 */
import type { Tensor } from '../../engine/index.js';

export abstract class Optimizer {
  readonly params: readonly Tensor[];

  constructor(params: readonly Tensor[]) {
    if (new Set(params).size !== params.length) throw new Error(`${this.constructor.name}: a parameter is listed twice`);
    this.params = params;
  }

  /** Disposes and clears the gradient of every parameter (call before each backward). */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Updates every parameter that has a gradient. */
  abstract step(): void;
}

/** Checks a loaded optimiser state against the parameters (count and shapes). */
export function checkStateTensors(
  name: string,
  params: readonly Tensor[],
  key: string,
  tensors: readonly Tensor[] | undefined,
): readonly Tensor[] {
  if (!tensors || tensors.length !== params.length) {
    throw new Error(`${name}.loadStateDict: "${key}" has ${tensors?.length ?? 0} tensors for ${params.length} parameters`);
  }
  tensors.forEach((t, i) => {
    const p = params[i]!;
    if (t.size !== p.size) {
      throw new Error(
        `${name}.loadStateDict: "${key}" ${i} has shape [${t.shape.join(',')}] but parameter ${i} has [${p.shape.join(',')}]`,
      );
    }
  });
  return tensors;
}
