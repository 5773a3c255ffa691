// Writes a synthetic CIFAR-10-format folder (timing only: no real images) and prints its path and
// records per file: `node --import tsx scripts/device/fixture.ts [records of each class per file]`.
import { writeCifarFixture } from '../../test/helpers/cifarFixture.js';

const fx = writeCifarFixture(Number(process.argv[2] ?? 200));
console.log(`${fx.dir} ${fx.recordsPerFile}`);
