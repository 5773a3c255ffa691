// The package as another project gets it: `npm pack`, installed into a new project, its API used
// from TypeScript (type-checked against the shipped declarations) and its command run from there.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Rng } from '../../src/engine/index.js';
import { readPng } from '../../src/image/index.js';
import { Generator } from '../../src/models/cgan/index.js';
import { resolveRunConfig } from '../../src/train/resolve.js';
import { saveEmaGenerator } from '../../src/train/trainState.js';
import { repo } from '../helpers/cli.js';

const run = (cmd: string, args: string[], cwd: string) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, PEGASUS_DATA: '', PEGASUS_BACKEND: 'js' } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r;
};

const MAIN = `import { COMMITTED_MODELS, imagesFromNchw, loadGenerator, makeGrid, packageFile, sampleImages, writePng, type ClassWeight } from 'pegasus';

// the committed Pegasus model ships with the package and is found from here
const pegasus = loadGenerator(packageFile(COMMITTED_MODELS.pegasus));
const mix: ClassWeight[] = [{ name: 'horse', weight: 0.7 }, { name: 'bird', weight: 0.3 }];
const g = loadGenerator('tiny.pgc');
const x = sampleImages(g, mix, 2, 0);
writePng('mix.png', makeGrid(imagesFromNchw(x.data, 2, 3, 32, 32), { cols: 2, scale: 1 }));
console.log(pegasus.config.train.classes.join(','));
`;

describe('the npm package', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'pegasus-package-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('packs, installs into a new project whose TypeScript imports the API, type-checks and draws', () => {
    run('npm', ['pack', '--silent', '--pack-destination', tmp], repo);
    const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball !== undefined, 'npm pack wrote a tarball');
    const proj = join(tmp, 'proj');
    mkdirSync(proj);
    writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'uses-pegasus', private: true, type: 'module' }));
    // no install scripts: the native addon is not built, the js backend draws
    run(
      'npm',
      ['install', join(tmp, tarball), '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
      proj,
    );
    const config = resolveRunConfig('cgan', 'tiny', {});
    saveEmaGenerator(join(proj, 'tiny.pgc'), config, new Generator(config.cgan, new Rng(1)).stateDict(), 1);
    writeFileSync(join(proj, 'main.ts'), MAIN);
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(repo, 'node_modules', '@types')],
        outDir: 'out',
      },
      files: ['main.ts'],
    };
    writeFileSync(join(proj, 'tsconfig.json'), JSON.stringify(tsconfig));
    run(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], proj);
    const out = run(process.execPath, ['out/main.js'], proj);
    assert.match(out.stdout, /airplane,bird,deer,horse,pegasus/);
    const png = readPng(join(proj, 'mix.png'));
    assert.deepEqual([png.width, png.height], [70, 36]); // two 32×32 cells with the grid's 2-pixel padding
    // the command, from the project's folder
    assert.match(run('npx', ['--no-install', 'pegasus', '--help'], proj).stdout, /Usage: pegasus/);
    // the installed package's own dependencies export ONNX (protobufjs) and bundle the page (esbuild)
    run('npx', ['--no-install', 'pegasus', 'export', '--checkpoint', 'tiny.pgc', '--out', 'tiny.onnx'], proj);
    assert.equal(readFileSync(join(proj, 'tiny.onnx'))[0], 0x08);
    run('npx', ['--no-install', 'pegasus', 'site', '--checkpoint', 'tiny.pgc', '--out', 'site'], proj);
    assert.deepEqual(readdirSync(join(proj, 'site')).sort(), ['generator.js', 'index.html', 'pegasus-site.js']);
  });
});
