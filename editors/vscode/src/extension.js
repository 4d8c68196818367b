// @ts-check
// The drplan extension's client: starts `drplan lsp` (the path from the
// `drplan.path` setting) over stdio with vscode-languageclient. Highlighting,
// snippets and the language configuration are declarative (package.json) and
// work without the server.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  const output = vscode.window.createOutputChannel('drplan');
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand('drplan.restartServer', async () => {
      await stop();
      await start(output);
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('drplan.path') || e.affectsConfiguration('drplan.lsp.enabled')) {
        await stop();
        await start(output);
      }
    }),
  );
  await start(output);
}

/** @param {vscode.OutputChannel} output */
async function start(output) {
  const config = vscode.workspace.getConfiguration('drplan');
  if (!config.get('lsp.enabled', true)) {
    output.appendLine('drplan.lsp.enabled is false: the language server is not started.');
    return;
  }
  const command = expandHome(config.get('path', 'drplan') || 'drplan');
  const executable = { command, args: ['lsp'], transport: TransportKind.stdio };
  client = new LanguageClient(
    'drplan',
    'drplan language server',
    { run: executable, debug: executable },
    {
      documentSelector: [
        { scheme: 'file', language: 'drplan' },
        { scheme: 'untitled', language: 'drplan' },
      ],
      outputChannel: output,
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher('**/*.drplan'),
      },
    },
  );
  try {
    await client.start();
  } catch (err) {
    client = undefined;
    const message = err instanceof Error ? err.message : String(err);
    const choice = await vscode.window.showWarningMessage(
      `drplan: could not start "${command} lsp" (${message}). Set drplan.path to the drplan binary, ` +
        'or turn the server off with drplan.lsp.enabled.',
      'Open Settings',
    );
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'drplan.');
    }
  }
}

async function stop() {
  const running = client;
  client = undefined;
  if (running) await running.stop();
}

/** @param {string} p */
function expandHome(p) {
  if (p === '~' || p.startsWith('~/')) {
    return require('os').homedir() + p.slice(1);
  }
  return p;
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
