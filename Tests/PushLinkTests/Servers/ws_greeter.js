#!/usr/bin/env node
// WebSocket greeter for PushLink's interop tests (Node + Debian's `ws`).
//
//   NODE_PATH=/usr/share/nodejs node ws_greeter.js [--port N] [--ttl SECONDS]
//
// Listens on 127.0.0.1 (port 0 = a free port) and prints `PORT=<n>` on stdout
// once listening. On each connection it sends the text `Hello, I am the server!`
// and writes every message it receives to stdout as a line `RECV <text>`
// (binary messages as `RECV <base64>` prefixed with `b64:`), so a test can check
// what its client sent, e.g. the --send messages after each reconnect.
//
// It exits by itself after --ttl seconds (default 120), and promptly on
// SIGTERM or SIGINT: a test that dies cannot leave it behind for long.
// Scripts/test.sh exports NODE_PATH so that require('ws') finds Debian's
// node-ws even with a node that is not Debian's own.
'use strict';

const { WebSocketServer } = require('ws');

const GREETING = 'Hello, I am the server!';

function parseArgs(argv) {
  const opts = { port: 0, ttl: 120 };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = argv[i + 1];
    if (name === '--port' || name === '--ttl') {
      const n = Number(value);
      if (value === undefined || !Number.isFinite(n) || n < 0) {
        process.stderr.write(`ws_greeter: ${name} needs a non-negative number\n`);
        process.exit(2);
      }
      opts[name.slice(2)] = n;
      i++;
    } else {
      process.stderr.write(`ws_greeter: unknown argument ${name}\n` +
        'usage: node ws_greeter.js [--port N] [--ttl SECONDS]\n');
      process.exit(2);
    }
  }
  return opts;
}

// Lines on stdout must reach a reading test at once, even through a pipe
// (where Node writes asynchronously): write them synchronously.
function out(line) {
  require('fs').writeSync(1, line + '\n');
}

const opts = parseArgs(process.argv.slice(2));
const wss = new WebSocketServer({ host: '127.0.0.1', port: opts.port, maxPayload: 64 * 1024 * 1024 });

wss.on('listening', () => out(`PORT=${wss.address().port}`));
wss.on('error', (err) => {
  process.stderr.write(`ws_greeter: ${err.message}\n`);
  process.exit(1);
});

wss.on('connection', (ws) => {
  ws.on('error', () => {});          // a client vanishing mid-frame is normal in tests
  ws.on('message', (data, isBinary) => {
    out(isBinary ? `RECV b64:${Buffer.from(data).toString('base64')}`
                 : `RECV ${data.toString()}`);
  });
  ws.send(GREETING);
});

let stopping = false;
function stop(reason) {
  if (stopping) return;
  stopping = true;
  if (reason) process.stderr.write(`ws_greeter: ${reason}, exiting\n`);
  for (const ws of wss.clients) ws.close(1001, 'server going away');
  wss.close(() => process.exit(0));
  // Peers that do not answer the close handshake must not hold the exit up.
  setTimeout(() => process.exit(0), 1000).unref();
}

process.on('SIGTERM', () => stop());
process.on('SIGINT', () => stop());
setTimeout(() => stop(`ttl of ${opts.ttl} s reached`), opts.ttl * 1000).unref();
