import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type FlagSpec, UsageError, parseFlags, renderHelp, splitList } from './flags.js';

const specs: FlagSpec[] = [
  { name: 'name', short: 'n', type: 'string', defaultText: 'x', description: 'A name' },
  { name: 'item', type: 'string', multiple: true, description: 'Items' },
  { name: 'count', type: 'string', valueName: 'int', defaultText: '3', description: 'How many' },
  { name: 'dry', type: 'boolean', description: 'Dry run' },
];

test('parseFlags: forms, repeats, booleans, positionals, terminator', () => {
  const r = parseFlags(['--name', 'a', '-n=b', '--item', 'x', '--item=y,z', '--dry=false', 'pos', '--', '--item'], specs, 'cmd');
  assert.equal(r.values.get('name'), 'b');
  assert.deepEqual(r.values.get('item'), ['x', 'y,z']);
  assert.equal(r.values.get('dry'), false);
  assert.deepEqual(r.positionals, ['pos', '--item']);
  assert.equal(parseFlags(['--dry'], specs, 'cmd').values.get('dry'), true);
  assert.equal(parseFlags(['-nb'], specs, 'cmd').values.get('name'), 'b');
  assert.equal(parseFlags(['--name='], specs, 'cmd').values.get('name'), '');
  assert.equal(parseFlags(['--name', '-'], specs, 'cmd').values.get('name'), '-');
  assert.deepEqual(splitList(['x', 'y, z', '', 'w,']), ['x', 'y', 'z', 'w']);
});

test('parseFlags: pflag-style errors carry the command', () => {
  const err = (argv: string[], msg: string) =>
    assert.throws(() => parseFlags(argv, specs, 'flotilla thing'), (e: unknown) => e instanceof UsageError && e.message === msg && e.command === 'flotilla thing' && e.exitCode === 2);
  err(['--nope'], 'unknown flag: --nope');
  err(['-q'], 'unknown shorthand flag: -q');
  err(['--name'], 'flag needs an argument: --name');
  err(['--name', '--dry'], 'flag needs an argument: --name');
  err(['--dry=yes'], 'invalid argument "yes" for "--dry" flag: must be true or false');
});

test('renderHelp: usage, sections, aligned flags with types and defaults', () => {
  const text = renderHelp({ description: 'Does a thing.', usage: ['cmd [flags]'], specs, sections: [{ title: 'Examples', lines: ['cmd -n a', '', 'cmd'] }] });
  assert.equal(
    text,
    [
      'Does a thing.',
      '',
      'Usage:',
      '  cmd [flags]',
      '',
      'Examples:',
      '  cmd -n a',
      '',
      '  cmd',
      '',
      'Flags:',
      '  -n, --name string    A name (default "x")',
      '      --item strings   Items',
      '      --count int      How many (default 3)',
      '      --dry            Dry run',
      '',
    ].join('\n'),
  );
});
