/**
 * Saving and loading the classifier in the nn checkpoint format (kind "classifier").
 */
import { Rng } from '../../engine/index.js';
import { loadCheckpoint, saveCheckpoint } from '../../nn/index.js';
import type { ClassifierConfig } from './config.js';
import { ResNet9 } from './resnet9.js';

export const CLASSIFIER_KIND = 'classifier';

/** What a classifier checkpoint records beside the weights. */
export interface ClassifierMeta {
  /** Epochs trained. */
  readonly epoch: number;
  /** Test accuracy measured when it was saved (null when not measured). */
  readonly testAccuracy: number | null;
  /** The training options that produced it (JSON). */
  readonly train?: unknown;
}

/** Writes the model (parameters and running statistics) atomically to `path`. */
export function saveClassifier(path: string, net: ResNet9, meta: ClassifierMeta): void {
  saveCheckpoint(path, { kind: CLASSIFIER_KIND, config: net.config, tensors: net.stateDict(), meta });
}

/**
 * Rebuilds a classifier from its checkpoint, in eval mode.
 * @example const { net } = loadClassifier('models/classifier/classifier.pgc');
 */
export function loadClassifier(path: string): { net: ResNet9; meta: ClassifierMeta } {
  const ck = loadCheckpoint(path, { expectKind: CLASSIFIER_KIND });
  const net = new ResNet9(ck.config as ClassifierConfig, new Rng(0));
  net.loadStateDict(ck.tensors);
  for (const t of Object.values(ck.tensors)) t.dispose();
  return { net: net.eval(), meta: ck.meta as ClassifierMeta };
}
