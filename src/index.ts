/**
 * pegasus as a library: the public API of `import … from 'pegasus'`. The CLI is built on the same
 * functions. Images are float NCHW arrays in [−1, 1] (n×3×32×32) unless a name says otherwise.
 *
 * @example
 * import { COMMITTED_MODELS, drawPegasusClass, imagesFromNchw, loadGenerator, makeGrid, packageFile, writePng } from 'pegasus';
 * const g = loadGenerator(packageFile(COMMITTED_MODELS.pegasus));
 * const x = drawPegasusClass(g, [1, 2, 3, 4]);
 * writePng('pegasi.png', makeGrid(imagesFromNchw(x, 4, 3, 32, 32), { cols: 4, scale: 4 }));
 */

// data: CIFAR-10 in its official binary format
export { CLASS_NAMES, loadCifar10, resolveDataDir, toFloat32, type Cifar10Set } from './data/index.js';
// models: the committed ones, found from any working folder
export { COMMITTED_MODELS, PACKAGE_ROOT, packageFile } from './models/committed.js';
// drawing: a generator's classes, mixtures of them, and the pegasus class
export { loadGenerator, sampleImages, type LoadedGenerator } from './sample/sampler.js';
export { parseClassMix, type ClassWeight } from './sample/classMix.js';
export { drawPegasusClass } from './generate/model.js';
// judging: the from-scratch classifier and the wing detector
export { loadClassifier, type ResNet9 } from './models/classifier/index.js';
export { embedImages, type Embedding } from './evaluate/embed.js';
export { wingProbabilities } from './evaluate/wings.js';
// training: resolve a preset with overrides, then run it
export { resolveRunConfig } from './train/resolve.js';
export { trainRun } from './train/gan.js';
// images: grids and PNG files
export { floatToUint8, imagesFromNchw, makeGrid, readPng, writePng, type Image } from './image/index.js';
// model files, and the formats other tools read
export { loadCheckpoint, saveCheckpoint } from './nn/index.js';
export { decodeSafetensors, encodeSafetensors } from './nn/safetensors.js';
export { exportOnnx, type OnnxExport } from './export/onnx.js';
// the static page that draws in the browser
export { writeSite } from './site/site.js';
export { UserError } from './errors.js';
