// The regel extension: the language server is `regel lsp`, the same front
// end as `regel check` and `regel fmt`; highlighting comes from the
// TextMate grammar in syntaxes/.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("regel").get("path", "regel");
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "regel",
    "regel",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "regel" }, { scheme: "untitled", language: "regel" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
