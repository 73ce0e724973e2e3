import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expand, mappingFuncFor } from './expansion.js';

const m = mappingFuncFor(new Map([['VAR_A', 'A'], ['VAR_B', 'B'], ['EMPTY', '']]), new Map([['VAR_A', 'shadowed'], ['SVC', 's']]));

test('expand: upstream expansion cases', () => {
  const cases: [string, string][] = [
    ['$(VAR_A)', 'A'],
    ['___$(VAR_B)___', '___B___'],
    ['$(VAR_A)-$(VAR_B)', 'A-B'],
    ['$(SVC)', 's'],
    ['$(EMPTY)', ''],
    ['$(UNKNOWN)', '$(UNKNOWN)'],
    ['$$(VAR_A)', '$(VAR_A)'],
    ['$$$(VAR_A)', '$A'],
    ['$$$$(VAR_A)', '$$(VAR_A)'],
    ['$(VAR_A', '$(VAR_A'],
    ['$VAR_A', '$VAR_A'],
    ['foo$', 'foo$'],
    ['$', '$'],
    ['$()', '$()'],
    ['$(VAR_A)$(VAR_A)', 'AA'],
    ['f00__(VAR_A)__', 'f00__(VAR_A)__'],
    ['$(VAR_A)$', 'A$'],
    ['$$', '$'],
    ['$(VAR_A)))', 'A))'],
    ['$((VAR_A))', '$((VAR_A))'],
  ];
  for (const [input, want] of cases) assert.equal(expand(input, m), want, input);
});

test('expand: substituted text is not expanded again', () => {
  const mm = mappingFuncFor(new Map([['A', '$(B)'], ['B', 'no']]));
  assert.equal(expand('$(A)', mm), '$(B)');
});
