/**
 * Named run presets: an architecture plus a training schedule. `--preset NAME` picks one; flags
 * override single fields; `numClasses` follows from the class list at resolve time.
 */
import type { CganSize } from '../../models/cgan/presets.js';
import type { TrainConfig } from '../config.js';
import { cpu } from './cpu.js';
import { cpuTtur } from './cpuTtur.js';
import { gpu } from './gpu.js';
import { tiny } from './tiny.js';

export interface RunPreset {
  /** One line for `--help`. */
  readonly description: string;
  /** The networks' size (src/models/cgan/presets.ts). */
  readonly cgan: CganSize;
  readonly train: TrainConfig;
}

export const PRESETS: Readonly<Record<string, RunPreset>> = { tiny, cpu, 'cpu-ttur': cpuTtur, gpu };
