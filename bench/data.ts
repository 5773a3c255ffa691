/**
 * `npm run bench:data`: how long loading all 60,000 CIFAR-10 images takes (the median of 5 loads
 * after one that warms the page cache), from --data DIR, $PEGASUS_DATA or the user cache folder.
 *
 *   npm run bench:data -- --data ../shared/cifar10
 */
import { parseArgs } from 'node:util';
import { loadCifar10 } from '../src/data/cifar10.js';
import { resolveDataDir } from '../src/data/dataDir.js';
import { medianTime } from './timing.js';

const { values } = parseArgs({ options: { data: { type: 'string' } } });
const dir = resolveDataDir(values.data);
const seconds = medianTime(() => loadCifar10({ dir, split: 'all' }), { reps: 5, warmup: 1 });
console.log(`${dir}: all 60,000 images loaded in ${seconds.toFixed(2)} s (median of 5)`);
