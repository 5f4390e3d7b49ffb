import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from '@herald/kit/testing';
import { createTestDatabase, uniqueName } from '@herald/kit/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
let db: TestDatabase;

test.before(async () => {
  db = await createTestDatabase('command_api_main');
});

test.after(async () => {
  await db.drop();
});

function run(env: Record<string, string>) {
  return spawn(process.execPath, ['--import', 'tsx', main], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

test('a bad setting stops the process with a message naming the variable', async () => {
  const child = run({ HTTP_PORT: 'eighty', SESSION_TTL_SECONDS: '-1' });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.is.not(code, 0);
  assert.match(stderr, 'HTTP_PORT must be a TCP port number');
  assert.match(stderr, 'SESSION_TTL_SECONDS must be an integer');
});

test('it logs one `ready` line with the bound ports, answers, and stops cleanly on SIGTERM', async () => {
  const child = run({
    DATABASE_URL: db.url, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', GRPC_PORT: '0', LOG_LEVEL: 'info',
    REDIS_KEY_PREFIX: `${uniqueName('herald-test.main')}:`,
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const ready = await new Promise<{ httpPort: number; grpcPort: number }>((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`exited with ${code} before ready`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line);
      if (entry.msg === 'ready') resolve(entry);
    });
  });
  assert.ok(ready.httpPort > 0 && ready.grpcPort > 0);
  const health = await fetch(`http://127.0.0.1:${ready.httpPort}/healthz`);
  assert.is(health.status, 200);
  child.kill('SIGTERM');
  assert.is(await exited, 0);
});

test.run();
