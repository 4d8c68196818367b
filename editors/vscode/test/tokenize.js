// Tokenizes .drplan files with the extension's grammar, as VS Code does
// (vscode-textmate + vscode-oniguruma, both installed with vscode-tmgrammar-test).
'use strict';
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const GRAMMAR = path.join(__dirname, '..', 'syntaxes', 'drplan.tmLanguage.json');

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === 'source.drplan'
        ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR)
        : null,
  });
  return registry.loadGrammar('source.drplan');
}

/** Tokens of a text: [{line, startIndex, endIndex, text, scopes}]. */
function tokenize(grammar, text) {
  const out = [];
  let stack = vsctm.INITIAL;
  text.split(/\r\n|\r|\n/).forEach((line, i) => {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens) {
      out.push({ line: i + 1, startIndex: t.startIndex, endIndex: t.endIndex,
        text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
    stack = r.ruleStack;
  });
  return out;
}

module.exports = { loadGrammar, tokenize };

if (require.main === module) {
  // node test/tokenize.js FILE: print every token with its scopes, for debugging.
  loadGrammar().then((g) => {
    for (const t of tokenize(g, fs.readFileSync(process.argv[2], 'utf8'))) {
      if (t.text.trim()) console.log(`${t.line}:${t.startIndex} ${JSON.stringify(t.text)} ${t.scopes.slice(1).join(' ')}`);
    }
  });
}
