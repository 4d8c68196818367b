// The client side of the extension, without VS Code (which cannot be
// downloaded here): src/extension.js run against a recording stand-in for
// the `vscode` and `vscode-languageclient` modules, then the real `drplan lsp`
// driven through vscode-jsonrpc, the transport vscode-languageclient uses.
// $DRPLAN names the drplan binary.
'use strict';
const assert = require('assert');
const path = require('path');
const Module = require('module');
const { spawn } = require('child_process');

// ---- 1. src/extension.js: what it asks of VS Code and of the client library.

function stubs({ settings, startFails }) {
  const log = { commands: [], clients: [], warnings: [], output: [], executed: [] };
  const config = {
    get: (key, fallback) => (key in settings ? settings[key] : fallback),
  };
  const vscode = {
    window: {
      createOutputChannel: () => ({ appendLine: (l) => log.output.push(l), dispose() {} }),
      showWarningMessage: async (message, ...choices) => {
        log.warnings.push(message);
        return choices[0];
      },
    },
    commands: {
      registerCommand: (name) => (log.commands.push(name), { dispose() {} }),
      executeCommand: async (...args) => log.executed.push(args),
    },
    workspace: {
      getConfiguration: (section) => (assert.strictEqual(section, 'drplan'), config),
      onDidChangeConfiguration: () => ({ dispose() {} }),
      createFileSystemWatcher: (glob) => ({ glob }),
    },
  };
  class LanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      Object.assign(this, { id, name, serverOptions, clientOptions, stopped: false });
      log.clients.push(this);
    }
    async start() {
      if (startFails) throw new Error('spawn drplan ENOENT');
    }
    async stop() {
      this.stopped = true;
    }
  }
  const client = { LanguageClient, TransportKind: { stdio: 0 } };
  return { log, modules: { vscode, 'vscode-languageclient/node': client } };
}

async function activate(options) {
  const { log, modules } = stubs(options);
  const load = Module._load;
  Module._load = function (request, ...rest) {
    return request in modules ? modules[request] : load.call(this, request, ...rest);
  };
  const file = require.resolve('../src/extension.js');
  delete require.cache[file];
  try {
    const extension = require(file);
    await extension.activate({ subscriptions: [] });
    return { log, extension };
  } finally {
    Module._load = load;
  }
}

async function extensionTests() {
  const os = require('os');
  let { log, extension } = await activate({ settings: { path: '~/bin/drplan' } });
  assert.deepStrictEqual(log.commands, ['drplan.restartServer']);
  assert.strictEqual(log.clients.length, 1);
  const client = log.clients[0];
  assert.deepStrictEqual(client.serverOptions.run, {
    command: path.join(os.homedir(), 'bin/drplan'),
    args: ['lsp'],
    transport: 0,
  });
  assert.deepStrictEqual(
    client.clientOptions.documentSelector.map((s) => s.language),
    ['drplan', 'drplan'],
  );
  assert.strictEqual(client.clientOptions.synchronize.fileEvents.glob, '**/*.drplan');
  await extension.deactivate();
  assert.ok(client.stopped, 'deactivate stops the server');

  ({ log } = await activate({ settings: { 'lsp.enabled': false } }));
  assert.strictEqual(log.clients.length, 0, 'drplan.lsp.enabled false starts no server');
  assert.match(log.output[0], /not started/);

  ({ log } = await activate({ settings: {}, startFails: true }));
  assert.strictEqual(log.clients[0].serverOptions.run.command, 'drplan');
  assert.match(log.warnings[0], /could not start "drplan lsp" \(spawn drplan ENOENT\)/);
  assert.deepStrictEqual(log.executed, [['workbench.action.openSettings', 'drplan.']]);
}

// ---- 2. The real server through the client library's own JSON-RPC transport.

async function serverTests() {
  const rpc = require('vscode-jsonrpc/node');
  const drplan = process.env.DRPLAN;
  assert.ok(drplan, 'set DRPLAN to the drplan binary');
  const child = spawn(drplan, ['lsp'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(child.stdout),
    new rpc.StreamMessageWriter(child.stdin),
  );
  const published = [];
  let notify;
  connection.onNotification('textDocument/publishDiagnostics', (params) => {
    published.push(params);
    if (notify) notify();
  });
  connection.listen();
  const nextDiagnostics = (count) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no diagnostics in 20 s')), 20000);
      notify = () => {
        if (published.length >= count) {
          clearTimeout(timer);
          resolve(published[count - 1]);
        }
      };
      notify();
    });

  const init = await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: { general: { positionEncodings: ['utf-16'] } },
  });
  assert.strictEqual(init.capabilities.textDocumentSync, 2, 'incremental sync');
  assert.ok(init.capabilities.codeActionProvider, 'quick fixes');
  connection.sendNotification('initialized', {});

  const uri = 'file:///plans/shop.drplan';
  const text = 'plan shop {\n  vault simulator\n  primary "westeurope"\n  recovery "northeurope"\n  group db { vm d }\n  group app needs dbb { vm a }\n}\n';
  connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'drplan', version: 1, text },
  });
  let diagnostics = await nextDiagnostics(1);
  assert.strictEqual(diagnostics.version, 1);
  assert.deepStrictEqual(diagnostics.diagnostics.map((d) => d.code), ['drplan::unknown_group']);
  const fix = await connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri },
    range: diagnostics.diagnostics[0].range,
    context: { diagnostics: diagnostics.diagnostics },
  });
  assert.strictEqual(fix[0].title, 'Replace `dbb` with `db`');
  const edit = fix[0].edit.changes[uri][0];
  connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ range: edit.range, text: edit.newText }],
  });
  diagnostics = await nextDiagnostics(2);
  assert.strictEqual(diagnostics.version, 2);
  assert.deepStrictEqual(diagnostics.diagnostics, []);

  const hover = await connection.sendRequest('textDocument/hover', {
    textDocument: { uri },
    position: { line: 4, character: 9 },
  });
  assert.match(hover.contents.value, /\*\*group db\*\*/);
  const formatting = await connection.sendRequest('textDocument/formatting', {
    textDocument: { uri },
    options: { tabSize: 2, insertSpaces: true },
  });
  assert.match(formatting[0].newText, /^  group db \{\n    vm d\n  \}$/m);

  await connection.sendRequest('shutdown');
  connection.sendNotification('exit');
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.strictEqual(code, 0);
  connection.dispose();
}

(async () => {
  await extensionTests();
  await serverTests();
  console.log('client: ok (extension.js with stand-ins; drplan lsp through vscode-jsonrpc)');
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
