// Checks the extension's declarative files: every file package.json points to
// exists and parses, the configuration has its two settings, the snippets
// cover a plan, a group and every hook kind, and the client is valid JavaScript.
'use strict';
const fs = require('fs');
const path = require('path');
const assert = require('assert');
const { execFileSync } = require('child_process');

const dir = path.join(__dirname, '..');
const read = (p) => JSON.parse(fs.readFileSync(path.join(dir, p), 'utf8'));
const pkg = read('package.json');
const c = pkg.contributes;

assert.deepStrictEqual(c.languages.map((l) => l.id), ['drplan']);
assert.deepStrictEqual(c.languages[0].extensions, ['.drplan']);
const langConf = read(c.languages[0].configuration);
assert.strictEqual(langConf.comments.lineComment, '#');
for (const pair of [['{', '}'], ['[', ']'], ['(', ')']]) {
  assert.ok(langConf.brackets.some((b) => b[0] === pair[0] && b[1] === pair[1]), `bracket ${pair}`);
}
assert.ok(langConf.autoClosingPairs.some((p) => p.open === '"'), 'quotes auto-close');
for (const rule of ['increaseIndentPattern', 'decreaseIndentPattern']) {
  new RegExp(langConf.indentationRules[rule]);
}
const increase = new RegExp(langConf.indentationRules.increaseIndentPattern);
assert.ok(increase.test('group db {'));
assert.ok(increase.test('  script "a{b" {  # comment'));
assert.ok(!increase.test('  objectives { rto 45m }'));
assert.ok(!increase.test('  # a comment {'));

const grammar = read(c.grammars[0].path);
assert.strictEqual(c.grammars[0].scopeName, grammar.scopeName);
assert.strictEqual(c.grammars[0].language, 'drplan');

const props = c.configuration.properties;
assert.strictEqual(props['drplan.path'].default, 'drplan');
assert.strictEqual(props['drplan.lsp.enabled'].type, 'boolean');

const snippets = read(c.snippets[0].path);
const prefixes = Object.values(snippets).map((s) => s.prefix);
for (const want of ['plan', 'group', 'script', 'runbook', 'webhook', 'probe', 'manual', 'wait']) {
  assert.ok(prefixes.includes(want), `a snippet for ${want}`);
}
for (const [name, s] of Object.entries(snippets)) {
  assert.ok(s.body.length && s.description, `snippet ${name} has a body and a description`);
}

assert.ok(fs.existsSync(path.join(dir, pkg.main)), pkg.main);
execFileSync(process.execPath, ['--check', path.join(dir, pkg.main)]);
require.resolve('vscode-languageclient/node', { paths: [dir] });
console.log('✓ package.json, language configuration, snippets and client');
