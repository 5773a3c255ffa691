/**
 * Sequential containers and parameter-free activation modules, for models that are a plain chain
 * of layers (the DCGAN of Radford et al. 2016 is).
 */
import { flatten, leakyRelu, relu, sigmoid, silu, tanh, type Tensor } from '../engine/index.js';
import { Module } from './module.js';

/** A module whose forward takes and returns one tensor. */
export interface TensorModule extends Module {
  forward(x: Tensor): Tensor;
}

/**
 * Runs its layers in order; they are named `layers.0`, `layers.1`, … in state dicts.
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
    for (const layer of this.layers) h = layer.forward(h);
    return h;
  }
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
