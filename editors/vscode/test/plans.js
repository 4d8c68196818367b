// Runs the grammar over every plan in the repository's plans/ folder (and the
// checker's ok fixtures): tokenizing must not throw, must mark nothing invalid,
// must close every begin/end region by the end of the file, and must highlight
// every hook kind, step setting and comment the plans contain.
'use strict';
const fs = require('fs');
const path = require('path');
const { loadGrammar, tokenize } = require('./tokenize');

const ROOT = path.join(__dirname, '..', '..', '..');
const DIRS = [path.join(ROOT, 'plans'), path.join(ROOT, 'tests', 'fixtures', 'check', 'ok')];

function plans() {
  const out = [];
  for (const dir of DIRS) {
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir).sort()) {
      if (f.endsWith('.drplan')) out.push(path.join(dir, f));
    }
  }
  return out;
}

loadGrammar().then((grammar) => {
  const files = plans();
  if (files.length === 0) throw new Error(`no plans found under ${DIRS.join(', ')}`);
  let failures = 0;
  for (const file of files) {
    const rel = path.relative(ROOT, file);
    const text = fs.readFileSync(file, 'utf8');
    const tokens = tokenize(grammar, text);
    const problems = [];
    for (const t of tokens) {
      const scopes = t.scopes.join(' ');
      if (scopes.includes('invalid.')) problems.push(`${t.line}:${t.startIndex + 1} ${JSON.stringify(t.text)} is ${scopes}`);
      if (/^#/.test(t.text) && !scopes.includes('string') && !scopes.includes('comment')) {
        problems.push(`${t.line}:${t.startIndex + 1} a comment is not scoped as one`);
      }
    }
    // Every begin/end region closes by the end of the file.
    let stack = null;
    for (const line of text.split(/\r\n|\r|\n/)) {
      stack = grammar.tokenizeLine(line, stack).ruleStack;
    }
    if (stack && stack.depth !== 1) problems.push(`a region is still open at the end of the file (depth ${stack.depth})`);
    // Statement keywords at the start of a line get a keyword scope.
    for (const t of tokens) {
      if (t.startIndex !== 0 && /^\s*$/.test(text.split(/\r\n|\r|\n/)[t.line - 1].slice(0, t.startIndex)) &&
          /^(script|runbook|webhook|probe|manual|wait|timeout|retries|on_error|estimate|vm|group|plan|before|after)$/.test(t.text) &&
          !t.scopes.some((s) => s.startsWith('keyword.'))) {
        problems.push(`${t.line}:${t.startIndex + 1} ${t.text} is not a keyword`);
      }
    }
    if (problems.length) {
      failures += 1;
      console.error(`✗ ${rel}\n  ${problems.join('\n  ')}`);
    } else {
      console.log(`✓ ${rel} (${tokens.length} tokens)`);
    }
  }
  if (failures) process.exit(1);
}).catch((e) => { console.error(e); process.exit(1); });
