/**
 * Sequential containers and parameter-free activation modules, for models that are a plain chain
 * of layers (the DCGAN of Radford et al. 2016 is).
 */
import { flatten, leakyRelu, relu, sigmoid, silu, tanh, type FusedActivation, type Tensor } from '../engine/index.js';
import { Module } from './module.js';
import { BatchNorm2d } from './norm.js';
import { Conv2d } from './conv.js';

/** A module whose forward takes and returns one tensor. */
export interface TensorModule extends Module {
  forward(x: Tensor): Tensor;
}

/**
 * Runs its layers in order; they are named `layers.0`, `layers.1`, … in state dicts.
 *
 * A BatchNorm2d or Conv2d followed by a ReLU or LeakyReLU runs as one op (their fused activation:
 * the same values up to rounding, one pass over the activations less), unless either module's
 * forward has been replaced on the instance (a trace, a hook, spectral normalisation) or by a
 * subclass, so that whoever watches or changes the layers sees each of them called.
 * @example new Sequential(new Linear(2, 16, { rng }), new ReLU(), new Linear(16, 1, { rng }))
 */
export class Sequential extends Module {
  readonly layers: TensorModule[];

  constructor(...layers: TensorModule[]) {
    super();
    this.layers = layers;
  }

  forward(x: Tensor): Tensor {
    let h = x;
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i]!;
      const fusable = layer instanceof BatchNorm2d || layer instanceof Conv2d ? layer : null;
      const activation = fusable ? fusableActivation(fusable, layers[i + 1]) : null;
      if (fusable && activation) {
        h = fusable.forward(h, activation);
        i++;
      } else h = layer.forward(h);
    }
    return h;
  }
}

/**
 * The activation `next` applies, when `layer` can run it as part of its own op: both run their
 * classes' own forward (not one a subclass overrides, nor one wrapped on the instance).
 */
function fusableActivation(layer: BatchNorm2d | Conv2d, next: TensorModule | undefined): FusedActivation | null {
  const own = layer instanceof BatchNorm2d ? BatchNorm2d.prototype.forward : Conv2d.prototype.forward;
  if (layer.forward !== own || next === undefined) return null;
  // a downsampling conv pools last, so the activation that follows it stays a layer of its own
  if (layer instanceof Conv2d && layer.downsample) return null;
  if (next.forward === ReLU.prototype.forward && next instanceof ReLU) return { relu: true };
  if (next.forward === LeakyReLU.prototype.forward && next instanceof LeakyReLU && next.negativeSlope >= 0 && next.negativeSlope < 1) {
    return { relu: true, negativeSlope: next.negativeSlope };
  }
  return null;
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** Flattens all but the batch dimension. */
export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    return flatten(x, 1);
  }
}
