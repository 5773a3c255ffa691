/**
 * Parsing `--class` values: one class ("horse") or a weighted mixture of class embeddings
 * ("horse:0.7,bird:0.3"). The weights multiply the learned class embeddings of the conditional
 * generator, so a mixture is a point between classes in embedding space, not a blend of images.
 */
import { UserError } from '../errors.js';

export interface ClassWeight {
  readonly name: string;
  readonly weight: number;
}

/** The largest |weight| of a class in a mixture of embeddings (the web API's bound too). */
export const MAX_CLASS_WEIGHT = 4;

/**
 * @example parseClassMix('horse:0.7,bird:0.3') // [{name:'horse',weight:0.7},{name:'bird',weight:0.3}]
 * @example parseClassMix('horse') // [{name:'horse',weight:1}]
 */
export function parseClassMix(spec: string, flag = '--class'): ClassWeight[] {
  const parts = spec
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) throw new UserError(`${flag} "${spec}": give a class name, or a mixture like horse:0.7,bird:0.3`);
  const out: ClassWeight[] = [];
  for (const part of parts) {
    const [rawName = '', rawWeight, ...rest] = part.split(':');
    const name = rawName.trim().toLowerCase();
    const weight = rawWeight === undefined ? 1 : Number(rawWeight.trim() === '' ? NaN : rawWeight);
    if (name === '' || rest.length > 0 || !Number.isFinite(weight)) {
      throw new UserError(`${flag} "${spec}": "${part}" is not NAME or NAME:WEIGHT (e.g. horse:0.7)`);
    }
    if (Math.abs(weight) > MAX_CLASS_WEIGHT) {
      throw new UserError(
        `${flag} "${spec}": the weight of ${name} must lie within ±${MAX_CLASS_WEIGHT} (further out the generator only saturates)`,
      );
    }
    if (out.some((c) => c.name === name)) throw new UserError(`${flag} "${spec}": ${name} is given twice`);
    out.push({ name, weight });
  }
  return out;
}

/**
 * The mixture as a weight per model class index (model classes in training order); a class the
 * model was not trained on is an error naming the classes it knows.
 */
export function classWeights(mix: readonly ClassWeight[], modelClasses: readonly string[]): Float64Array {
  const w = new Float64Array(modelClasses.length);
  for (const { name, weight } of mix) {
    const i = modelClasses.indexOf(name);
    if (i < 0) {
      throw new UserError(`this model was not trained on "${name}"; it knows ${modelClasses.join(', ')}`);
    }
    w[i] = weight;
  }
  return w;
}
