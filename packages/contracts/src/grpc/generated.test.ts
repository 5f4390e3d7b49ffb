// The gRPC code is checked in, so a fresh install needs no generation step; this test
// keeps it honest: regenerating it from the .proto files (buf + ts-proto from
// node_modules, the template `pnpm generate` uses) must give the same files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '../..');
const checkedIn = join(packageDir, 'src/grpc/generated');
const outDir = mkdtempSync(join(tmpdir(), 'herald-grpc-'));

function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

test.after(() => rmSync(outDir, { recursive: true, force: true }));

test('regenerating the gRPC code from the .proto files changes nothing', () => {
  const buf = join(packageDir, 'node_modules/.bin/buf');
  const run = spawnSync(buf, ['generate', '--template', 'buf.gen.yaml', '-o', outDir], { cwd: packageDir, encoding: 'utf8' });
  assert.is(run.status, 0, `buf generate failed: ${run.error?.message ?? run.stderr}`);
  const regenerated = filesUnder(join(outDir, 'src/grpc/generated'));
  const current = filesUnder(checkedIn);
  assert.ok(regenerated.size > 0, 'buf generated some files');
  assert.equal([...current.keys()].sort(), [...regenerated.keys()].sort(), 'the same files (run `pnpm generate` and commit)');
  for (const [path, text] of regenerated) {
    assert.fixture(current.get(path) ?? '', text, `${path} is stale: run \`pnpm generate\` and commit`);
  }
});

test.run();
