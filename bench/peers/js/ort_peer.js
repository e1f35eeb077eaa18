#!/usr/bin/env node
// ONNX Runtime (npm onnxruntime-node, CPU) peer of `zenn bench`: `node ort_peer.js`; one JSON
// request per line on stdin, one JSON reply per line on stdout (see ../README.md). It runs ONNX
// files exported by torch 1.13 (../export_onnx.py): the request's "model", or, without one, the
// file export_onnx.py makes (or finds in its cache) for the request.
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');
const { peakRss, randomArray, serve } = require('./peer_common');

let ort = null;
let loadError = null;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  loadError = `cannot load onnxruntime-node (npm ci --ignore-scripts in bench/peers/js): ${e.message.split('\n')[0]}`;
}

// Runs step once to warm up, then until minSeconds have passed.
async function timed(step, minSeconds) {
  await step();
  const t0 = process.hrtime.bigint();
  let iters = 0;
  for (;;) {
    await step();
    iters++;
    const t = Number(process.hrtime.bigint() - t0) * 1e-9;
    if (t >= minSeconds) return { per: t / iters, iters };
  }
}

// The ONNX file for a request: its "model", else export_onnx.py's (cached on disk).
function modelPath(req) {
  if (req.model) return req.model;
  const spec = Object.assign({}, req);
  for (const k of ['min_seconds', 'threads', 'model']) delete spec[k];
  const script = path.join(__dirname, '..', 'export_onnx.py');
  const python = process.env.ZN_PYTHON || '/usr/bin/python3';
  let out;
  try {
    out = execFileSync(python, [script, JSON.stringify(spec)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    out = e.stdout || '';
    if (!out) throw new Error(`export_onnx.py failed: ${String(e.stderr || e.message).trim().split('\n').pop()}`);
  }
  const reply = JSON.parse(out.trim().split('\n').pop());
  if (!reply.ok) throw new Error(`export_onnx.py: ${reply.error}`);
  return reply.path;
}

// One session per (file, threads), kept for the process's life (a suite sends few shapes).
const sessions = new Map();
async function session(file, threads) {
  const key = `${file}\0${threads}`;
  if (!sessions.has(key)) {
    sessions.set(key, await ort.InferenceSession.create(file, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    }));
  }
  return sessions.get(key);
}

// Times makeStep(session) at the request's "threads": 1, 2, ... or "best" (default: 1 and 2,
// each for min_seconds, the faster reported).
async function withThreads(req, file, makeStep) {
  const want = req.threads === undefined ? 'best' : req.threads;
  const counts = want === 'best' ? [1, 2] : [Number(want)];
  if (!counts.every((n) => Number.isInteger(n) && n >= 1)) throw new Error('threads must be 1, 2, ... or "best"');
  const by = {};
  for (const n of counts) by[n] = await timed(makeStep(await session(file, n)), req.min_seconds || 0.1);
  const best = counts.reduce((a, b) => (by[b].per < by[a].per ? b : a));
  const out = { seconds_per_iter: by[best].per, iters: by[best].iters, threads: best, model: path.basename(file) };
  if (counts.length > 1) out.seconds_by_threads = Object.fromEntries(counts.map((n) => [String(n), by[n].per]));
  return out;
}

const tensor = (dims, seed) => new ort.Tensor('float32', randomArray(dims.reduce((a, b) => a * b, 1), seed), dims);

async function recurrent(req) {
  const mode = req.mode || 'infer';
  const layers = req.layers || 1;
  if (mode !== 'infer' && mode !== 'stream') throw new Error(`ONNX Runtime runs ${req.op} modes infer and stream, not ${mode}`);
  const file = modelPath(req);
  if (mode === 'infer') {
    const x = tensor([req.batch || 32, req.steps || 96, req.inputs], 7);
    return withThreads(req, file, (s) => () => s.run({ x }));
  }
  // stream: one step per call; the state a call returns is the next call's.
  const batch = req.batch || 1;
  const steps = req.steps || 96;
  const xs = [];
  for (let t = 0; t < steps; t++) xs.push(tensor([batch, 1, req.inputs], 7 + t));
  const out = await withThreads(req, file, (s) => {
    let t = 0;
    let h = tensor([layers, batch, req.hidden], 1);
    let c = tensor([layers, batch, req.hidden], 2);
    return async () => {
      const feeds = req.op === 'lstm' ? { x: xs[t], h0: h, c0: c } : { x: xs[t], h0: h };
      const r = await s.run(feeds);
      h = r.h_n;
      if (req.op === 'lstm') c = r.c_n;
      t = (t + 1) % steps;
    };
  });
  out.seconds_per_step = out.seconds_per_iter;
  return out;
}

async function conv1d(req) {
  if ((req.mode || 'forward') !== 'forward') throw new Error(`ONNX Runtime runs conv1d mode forward, not ${req.mode}`);
  const file = modelPath(req);
  const x = tensor([req.batch, req.channels, req.length], 7);
  return withThreads(req, file, (s) => () => s.run({ x }));
}

const ops = { lstm: recurrent, gru: recurrent, conv1d };

function hello() {
  return { name: 'onnxruntime', version: ort.env.versions.node || ort.env.versions.common, threads: 1, backend: 'cpu' };
}

serve(hello, ops, loadError);
