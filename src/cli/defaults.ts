/**
 * Defaults that name committed files (models, the recorded choice) are relative to the
 * installation, so that `pegasus generate` or `pegasus serve` work from any folder; paths the user
 * types stay relative to the working folder.
 */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { packageFile } from '../models/committed.js';

/**
 * `opts` with each of `keys` that kept its default value resolved by packageFile.
 * @example const o = withPackageDefaults(cmd, opts, ['checkpoint', 'classifier']);
 */
export function withPackageDefaults<T extends object>(cmd: CommandUnknownOpts, opts: T, keys: readonly (keyof T & string)[]): T {
  const out = { ...opts };
  for (const k of keys) {
    const v = out[k];
    if (typeof v === 'string' && cmd.getOptionValueSource(k) === 'default') (out as Record<string, unknown>)[k] = packageFile(v);
  }
  return out;
}
