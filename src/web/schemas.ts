/**
 * JSON schemas of every request `pegasus serve` accepts. Fastify validates each body against its
 * schema before a handler runs, so a handler never sees an unknown class, a fractional seed or a
 * batch larger than LIMITS.maxImages; a bad request gets a 400 whose message names the field.
 *
 * The class names come from the generator checkpoint, so the schemas are built per model.
 */
import type { FastifySchemaValidationError } from 'fastify';
import { MAX_CLASS_WEIGHT } from '../sample/classMix.js';

/** Bounds the server accepts (and the page's controls use); enforced below. */
export const LIMITS = {
  /** Images per request: keeps every request to a fraction of a second (a 32-image batch is ~0.1 s). */
  maxImages: 32,
  /** Largest |weight| of a class: beyond it the embeddings leave anything the generator has seen. */
  maxWeight: MAX_CLASS_WEIGHT,
  /** Seeds are 32-bit, as Rng takes them. */
  maxSeed: 4294967295,
  /** Most training neighbours returned per query. */
  maxNeighbours: 16,
} as const;

const seed = { type: 'integer', minimum: 0, maximum: LIMITS.maxSeed } as const;

/** A class mixture: a weight per class of the model. */
function weightsSchema(classes: readonly string[]) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(classes.map((c) => [c, { type: 'number', minimum: -LIMITS.maxWeight, maximum: LIMITS.maxWeight }])),
  } as const;
}

/** A region's centre and radii, in pixels of the 32×32 image. */
const centre = { type: 'number', minimum: 0, maximum: 32 } as const;
const radius = { type: 'number', minimum: 1, maximum: 32 } as const;

/** One image's settings (settings.ts: ImageSettings). */
export function settingsSchema(classes: readonly string[]) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['weights', 'seed'],
    properties: {
      weights: weightsSchema(classes),
      region: {
        type: 'object',
        additionalProperties: false,
        required: ['weights', 'cy', 'cx', 'ry', 'rx'],
        properties: { weights: weightsSchema(classes), cy: centre, cx: centre, ry: radius, rx: radius },
      },
      seed,
      blend: {
        type: 'object',
        additionalProperties: false,
        required: ['seed', 't'],
        properties: { seed, t: { type: 'number', minimum: 0, maximum: 1 } },
      },
    },
  } as const;
}

/** POST /api/render: a batch of settings, drawn and scored together. */
export function renderSchema(classes: readonly string[]) {
  return {
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['items'],
      properties: { items: { type: 'array', minItems: 1, maxItems: LIMITS.maxImages, items: settingsSchema(classes) } },
    },
  } as const;
}

/** POST /api/neighbours: one image's settings and how many training images to return. */
export function neighboursSchema(classes: readonly string[]) {
  return {
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['settings'],
      properties: {
        settings: settingsSchema(classes),
        k: { type: 'integer', minimum: 1, maximum: LIMITS.maxNeighbours, default: 6 },
      },
    },
  } as const;
}

/**
 * Ajv's first error as one line that names the field, e.g.
 * `body/items/0/weights has an unknown class "unicorn" (this model knows airplane, bird, deer, horse)`.
 */
export function formatSchemaErrors(classes: readonly string[]) {
  return (errors: FastifySchemaValidationError[], dataVar: string): Error => {
    const e = errors[0];
    if (e === undefined) return new Error(`${dataVar} is invalid`);
    const where = `${dataVar}${e.instancePath}`;
    const extra = (e.params as { additionalProperty?: string }).additionalProperty;
    if (extra !== undefined && where.endsWith('/weights')) {
      return new Error(`${where} has an unknown class "${extra}" (this model knows ${classes.join(', ')})`);
    }
    if (extra !== undefined) return new Error(`${where} has an unknown field "${extra}"`);
    return new Error(`${where} ${e.message ?? 'is invalid'}`);
  };
}

/** Ajv settings: no silent repairs (fastify's defaults would drop unknown fields and turn "3" into 3). */
export const ajvOptions = { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false, useDefaults: true } } as const;
