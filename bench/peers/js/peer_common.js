// What the Node.js peers of `zenn bench` share (../README.md): their peak
// memory, reproducible input data, and the request loop of the JSON-lines protocol.
'use strict';
const fs = require('fs');
const readline = require('readline');

// VmHWM: maxRSS would include the spawning zenn's own high-water mark.
function peakRss() {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch (e) { /* not Linux */ }
  return process.resourceUsage().maxRSS * 1024;
}

function randomArray(n, seed) {
  // A small LCG: the data only has to be the same from run to run.
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296;
  }
  return a;
}

// Answers one JSON request per stdin line with one JSON line: "hello" with
// hello(), another op with await ops[op](request); every reply has "ok" and
// the peak RSS. With loadError set, every request fails with it.
async function serve(hello, ops, loadError) {
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    if (!line.trim()) continue;
    let reply;
    try {
      const req = JSON.parse(line);
      if (loadError) reply = { ok: false, error: loadError };
      else if (req.op === 'hello') reply = Object.assign({ ok: true }, hello());
      else if (Object.prototype.hasOwnProperty.call(ops, req.op)) reply = Object.assign({ ok: true }, await ops[req.op](req));
      else reply = { ok: false, error: `unknown op ${req.op}` };
    } catch (e) {
      reply = { ok: false, error: String(e.message || e).split('\n')[0] };
    }
    reply.peak_rss_bytes = peakRss();
    process.stdout.write(JSON.stringify(reply) + '\n');
  }
}

module.exports = { peakRss, randomArray, serve };
