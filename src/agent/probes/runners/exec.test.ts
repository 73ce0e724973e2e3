import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CriError } from '../../runtime/cri-errors.js';
import type { ExecSyncResponse, RuntimeService } from '../../runtime/cri-types.js';
import { runExecProbe } from './exec.js';

type ExecSync = RuntimeService['execSync'];
const fake = (fn: ExecSync): Pick<RuntimeService, 'execSync'> => ({ execSync: fn });
const reply = (exitCode: number, stdout = '', stderr = ''): ExecSyncResponse => ({ exitCode, stdout: Buffer.from(stdout), stderr: Buffer.from(stderr) });

test('exec: exit 0 is a success with the output; the call carries container, command and timeout', async () => {
  const calls: unknown[][] = [];
  const rt = fake(async (...args) => {
    calls.push(args);
    return reply(0, 'ok\n');
  });
  assert.deepEqual(await runExecProbe(rt, { containerId: 'c1', command: ['cat', '/tmp/healthy'], timeoutSeconds: 3 }), { result: 'success', output: 'ok\n' });
  assert.deepEqual(calls, [['c1', ['cat', '/tmp/healthy'], 3]]);
});

test('exec: a non-zero exit is a failure whose output is the command’s stdout then stderr', async () => {
  const rt = fake(async () => reply(1, '', 'cat: can\'t open \'/tmp/healthy\': No such file or directory\n'));
  assert.deepEqual(await runExecProbe(rt, { containerId: 'c1', command: ['cat', '/tmp/healthy'], timeoutSeconds: 1 }), {
    result: 'failure',
    output: "cat: can't open '/tmp/healthy': No such file or directory\n",
  });
  const both = fake(async () => reply(2, 'out;', 'err'));
  assert.equal((await runExecProbe(both, { containerId: 'c1', command: ['x'], timeoutSeconds: 1 })).output, 'out;err');
});

test('exec: DEADLINE_EXCEEDED is a failure "command ... timed out"', async () => {
  const rt = fake(async () => {
    throw new CriError('DEADLINE_EXCEEDED', 'context deadline exceeded', 'ExecSync');
  });
  assert.deepEqual(await runExecProbe(rt, { containerId: 'c1', command: ['sh', '-c', 'sleep 10'], timeoutSeconds: 1 }), {
    result: 'failure',
    output: 'command "sh -c sleep 10" timed out',
  });
});

test('exec: other runtime errors make the probe error (unknown) with gRPC’s text', async () => {
  const rt = fake(async () => {
    throw new CriError('NOT_FOUND', 'container "c1" not found', 'ExecSync');
  });
  assert.deepEqual(await runExecProbe(rt, { containerId: 'c1', command: ['true'], timeoutSeconds: 1 }), {
    result: 'unknown',
    output: 'rpc error: code = NotFound desc = container "c1" not found',
  });
});

test('exec: output is cut at 10 KiB', async () => {
  const rt = fake(async () => reply(1, 'y'.repeat(30_000)));
  assert.equal((await runExecProbe(rt, { containerId: 'c1', command: ['x'], timeoutSeconds: 1 })).output.length, 10 * 1024);
});
