/**
 * The kernel interface every backend implements.
 *
 * A backend is a bag of kernels over plain, contiguous, row-major typed arrays: it knows nothing of
 * tensors, autograd or models (STYLE.md habit 3). The engine allocates every output array and
 * passes it in; kernels write into it and allocate nothing that outlives the call.
 *
 * Two backends exist:
 * - `js`: plain TypeScript, simple and obviously right, runs in Node and in browsers, supports
 *   float32 and float64 (float64 is used by the gradient checks).
 * - `native`: a Node-API addon over oneDNN. It implements the hot kernels for float32 and falls
 *   back to the `js` kernels for everything else (`{ ...jsBackend, ...nativeKernels }`), so a
 *   native kernel that receives a Float64Array must delegate to the js kernel.
 *
 * NOTE: arrays may be `subarray` views into a larger buffer; kernels must honour byteOffset
 * (N-API's napi_get_typedarray_info already returns a pointer to the first element).
 */

export type DType = 'float32' | 'float64';
export type Storage = Float32Array | Float64Array;

/** Geometry of a 2-D convolution over NCHW input with OIHW weights (PyTorch's layouts). */
export interface Conv2dGeometry {
  readonly n: number;
  readonly cIn: number;
  readonly hIn: number;
  readonly wIn: number;
  readonly cOut: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  /** floor((hIn + 2·padH − kH) / strideH) + 1 */
  readonly hOut: number;
  /** floor((wIn + 2·padW − kW) / strideW) + 1 */
  readonly wOut: number;
}

/**
 * Element-wise functions y = f(x). `alpha` is the negative slope of leakyRelu, the exponent of
 * powScalar, and unused by the others.
 */
export type UnaryOp = 'neg' | 'abs' | 'relu' | 'leakyRelu' | 'tanh' | 'sigmoid' | 'silu' | 'exp' | 'log' | 'sqrt' | 'powScalar';

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

export interface Backend {
  readonly name: 'js' | 'native';
  /** The channel-blocked kernels, on a backend that has them (native). */
  readonly blocked?: BlockedKernels;

  /**
   * c[m×n] = op(a) · op(b)  (or c += … when `accumulate`), row-major.
   * op(a) is a[m×k], or aᵀ when transA (then a is stored k×m); likewise b[k×n] or bᵀ.
   */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Storage, b: Storage, c: Storage, accumulate: boolean): void;

  /** y[n,cOut,hOut,wOut] = conv(x[n,cIn,hIn,wIn], w[cOut,cIn,kH,kW]) + bias[cOut]. */
  conv2d(g: Conv2dGeometry, x: Storage, w: Storage, bias: Storage | null, y: Storage): void;
  /**
   * dx = ∂L/∂x given dy = ∂L/∂y for conv2d (overwrites dx). This is also the forward pass of
   * conv_transpose2d: the transposed conv is the equivalent conv run backwards.
   */
  conv2dBackwardData(g: Conv2dGeometry, dy: Storage, w: Storage, dx: Storage): void;
  /** dw = ∂L/∂w (and dbias = Σ dy over n,h,w when given); both overwritten. */
  conv2dBackwardWeights(g: Conv2dGeometry, x: Storage, dy: Storage, dw: Storage, dbias: Storage | null): void;

  /**
   * Batch normalisation over x viewed as [n, c, hw] (Ioffe & Szegedy 2015).
   * training: computes the per-channel batch mean and 1/sqrt(var + eps) (biased variance) into
   * `mean` and `invStd`, then normalises. Not training: reads `mean` and `invStd` as given.
   * y = (x − mean)·invStd·gamma + beta, gamma/beta null meaning 1/0.
   */
  batchNorm(
    n: number,
    c: number,
    hw: number,
    x: Storage,
    gamma: Storage | null,
    beta: Storage | null,
    eps: number,
    training: boolean,
    mean: Storage,
    invStd: Storage,
    y: Storage,
  ): void;
  /** Training-mode backward of batchNorm; dx overwritten, dgamma/dbeta overwritten when given. */
  batchNormBackward(
    n: number,
    c: number,
    hw: number,
    x: Storage,
    dy: Storage,
    gamma: Storage | null,
    mean: Storage,
    invStd: Storage,
    dx: Storage,
    dgamma: Storage | null,
    dbeta: Storage | null,
  ): void;

  /** y = f(x), element-wise (y may be x for in-place). */
  unary(op: UnaryOp, x: Storage, y: Storage, alpha: number): void;
  /** dx = dy · f′(x), given x and y = f(x) (whichever is cheaper to use); dx overwritten. */
  unaryBackward(op: UnaryOp, x: Storage, y: Storage, dy: Storage, dx: Storage, alpha: number): void;

  /**
   * out = a ∘ b with broadcasting expressed through strides: outShape is the broadcast shape, and
   * aStrides/bStrides give, per output dimension, the element stride in a/b (0 where broadcast).
   */
  binary(
    op: BinaryOp,
    a: Storage,
    aStrides: readonly number[],
    b: Storage,
    bStrides: readonly number[],
    out: Storage,
    outShape: readonly number[],
  ): void;

  /** x viewed as [outer, axis, inner]: y[outer, inner] = Σ over axis (sum) or max over axis. */
  reduce(op: 'sum' | 'max', x: Storage, outer: number, axis: number, inner: number, y: Storage): void;

  /** y = x permuted: y's dimension i is x's dimension perm[i]; `shape` is x's shape. */
  permute(x: Storage, shape: readonly number[], perm: readonly number[], y: Storage): void;

  /**
   * One Adam/AdamW step in place (Kingma & Ba 2015; Loshchilov & Hutter 2019 for decoupled
   * weight decay). `step` counts from 1 (bias correction). With `decoupled`, the parameter is
   * first multiplied by (1 − lr·weightDecay); otherwise weightDecay·param is added to the gradient.
   */
  adam(
    param: Storage,
    grad: Storage,
    m: Storage,
    v: Storage,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: boolean,
    step: number,
  ): void;

  // ---- Kernels added by the engine (native: native/pool.cc, native/softmax.cc and, for
  // reduceMaxBackward, native/layout.cc) ----

  /**
   * Window sum over non-overlapping k×k windows: y[nc, h/k, w/k] = scale·Σ x[nc, window]
   * (h and w divisible by k). avgPool2d is scale = 1/k²; it is also nearest upsampling's backward.
   */
  pool2d(nc: number, h: number, w: number, k: number, x: Storage, y: Storage, scale: number): void;
  /**
   * Nearest upsampling by k: y[nc, h·k, w·k] = scale·x[nc, ⌊i/k⌋, ⌊j/k⌋] (x is [nc,h,w]).
   * Also avgPool2d's backward (with scale = 1/k²).
   */
  upsample2d(nc: number, h: number, w: number, k: number, x: Storage, y: Storage, scale: number): void;
  /** Max over non-overlapping k×k windows: y[nc, h/k, w/k] (h and w divisible by k). */
  maxPool2d(nc: number, h: number, w: number, k: number, x: Storage, y: Storage): void;
  /** Backward of maxPool2d: dy goes to the first maximal element of each window; dx overwritten. */
  maxPool2dBackward(nc: number, h: number, w: number, k: number, x: Storage, y: Storage, dy: Storage, dx: Storage): void;
  /** x viewed as [outer, axis, inner]: y = softmax (or log-softmax when `log`) along the axis. */
  softmax(log: boolean, x: Storage, outer: number, axis: number, inner: number, y: Storage): void;
  /** Backward of softmax/log-softmax given its output y; dx overwritten. */
  softmaxBackward(log: boolean, y: Storage, dy: Storage, outer: number, axis: number, inner: number, dx: Storage): void;
  /**
   * Backward of reduce('max'): dx[o, a, i] = dy[o, i] at the first a where x equals the max y[o, i],
   * zero elsewhere (PyTorch's max(dim) rule); dx overwritten.
   */
  reduceMaxBackward(x: Storage, y: Storage, dy: Storage, outer: number, axis: number, inner: number, dx: Storage): void;

  /**
   * y = x·scale[i, ch] + shift[i, ch] for x viewed as [n, c, hw] (scale, shift: [n, c]), then
   * v ↦ max(v, slope·v): conditional batch norm's per-sample affine and the activation after it in
   * one pass. `slope` is that activation as a leaky ReLU's negative slope in [0, 1]: 0 is ReLU, 1
   * none. `block` is the layout of x and y (1: plain; 8, 16: channel-blocked, see `BlockedKernels`).
   */
  channelAffine(
    n: number,
    c: number,
    hw: number,
    block: number,
    x: Storage,
    scale: Storage,
    shift: Storage,
    slope: number,
    y: Storage,
  ): void;
  /**
   * Backward of channelAffine; `y` is its output when it had an activation (slope < 1: dy passes
   * where y > 0 and is scaled by `slope` elsewhere), else null. dx, dscale and dshift ([n, c]) are
   * overwritten.
   */
  channelAffineBackward(
    n: number,
    c: number,
    hw: number,
    block: number,
    x: Storage,
    scale: Storage,
    y: Storage | null,
    slope: number,
    dy: Storage,
    dx: Storage,
    dscale: Storage,
    dshift: Storage,
  ): void;
  /**
   * Training-mode batch norm followed by a per-sample affine and v ↦ max(v, slope·v) (channelAffine's `slope`):
   * y = x̂·scale[i, ch] + shift[i, ch] with x̂ = (x − mean)·invStd (batch statistics, biased
   * variance, written to `mean` and `invStd`); x viewed as [n, c, hw] in channel block `block`.
   * Conditional batch norm (and batch norm with γ, β repeated per sample) in two passes.
   */
  batchNormAffine(
    n: number,
    c: number,
    hw: number,
    block: number,
    x: Storage,
    scale: Storage,
    shift: Storage,
    slope: number,
    eps: number,
    mean: Storage,
    invStd: Storage,
    y: Storage,
  ): void;
  /** Backward of batchNormAffine (y, slope: as channelAffineBackward); dx, dscale, dshift overwritten. */
  batchNormAffineBackward(
    n: number,
    c: number,
    hw: number,
    block: number,
    x: Storage,
    scale: Storage,
    y: Storage | null,
    slope: number,
    dy: Storage,
    mean: Storage,
    invStd: Storage,
    dx: Storage,
    dscale: Storage,
    dshift: Storage,
  ): void;
}

/**
 * Kernels over channel-blocked activations, which only the native backend has (float32 only).
 *
 * The layout, oneDNN's nChw{b}c with b = 8 or 16: x[n][⌈c/b⌉][h][w][b], the channels past c zero.
 * Convolutions want their activations in it; keeping them in it between convolutions (and through
 * the ReLU, batch norm, pooling and residual additions in between) saves a reorder in and out of
 * every convolution. A block of 1 means plain NCHW wherever a block is passed. Arrays in a
 * blocked layout hold n·⌈c/b⌉·b·h·w elements.
 */
export interface BlockedKernels {
  /** [src, dst]: the blocks oneDNN's forward convolution wants for x and y (0: neither plain nor blocked). */
  convBlocks(g: Conv2dGeometry): readonly [number, number];
  /** The forward convolution; `slope` in (0, 1) applies the leaky ReLU max(v, slope·v) to y as part of it (1: none). */
  conv2dBlocked(
    g: Conv2dGeometry,
    x: Float32Array,
    xBlock: number,
    w: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
    yBlock: number,
    slope: number,
  ): void;
  conv2dBackwardDataBlocked(g: Conv2dGeometry, dy: Float32Array, dyBlock: number, w: Float32Array, dx: Float32Array, dxBlock: number): void;
  conv2dBackwardWeightsBlocked(
    g: Conv2dGeometry,
    x: Float32Array,
    xBlock: number,
    dy: Float32Array,
    dyBlock: number,
    dw: Float32Array,
    dbias: Float32Array | null,
  ): void;
  /** y (in block `toBlock`) = x (in block `fromBlock`), for an [n, c, h, w] activation. */
  reorderBlocked(n: number, c: number, h: number, w: number, fromBlock: number, x: Float32Array, toBlock: number, y: Float32Array): void;
  /** pool2d over `planes` = n·⌈c/b⌉ planes of [h, w, b]. */
  pool2dBlocked(planes: number, h: number, w: number, k: number, block: number, x: Float32Array, y: Float32Array, scale: number): void;
  /** upsample2d over `planes` = n·⌈c/b⌉ planes of [h, w, b]. */
  upsample2dBlocked(planes: number, h: number, w: number, k: number, block: number, x: Float32Array, y: Float32Array, scale: number): void;
}
