#!/usr/bin/env node
// brain.js / TensorFlow.js (pure-JS CPU backend) peer of `zenn bench`:
// `node peer.js brain` or `node peer.js tfjs`; one JSON request per line on
// stdin, one JSON reply per line on stdout (see ../README.md).
'use strict';
const { peakRss, randomArray, serve } = require('./peer_common');

const which = process.argv[2];
let lib = null;
let loadError = null;
try {
  lib = which === 'tfjs' ? require('@tensorflow/tfjs') : which === 'brain' ? require('brain.js') : null;
  if (!lib) loadError = 'usage: node peer.js brain|tfjs';
} catch (e) {
  loadError = `cannot load ${which} (run npm ci in bench/peers/js): ${e.message.split('\n')[0]}`;
}

// Runs step once to warm up, then until minSeconds have passed.
function timed(step, minSeconds) {
  step();
  const t0 = process.hrtime.bigint();
  let iters = 0;
  for (;;) {
    step();
    iters++;
    const t = Number(process.hrtime.bigint() - t0) * 1e-9;
    if (t >= minSeconds) return { per: t / iters, iters };
  }
}

// The last model per kind, rebuilt only when the request changes.
const cache = {};
function cached(kind, req, make) {
  const key = JSON.stringify(Object.assign({}, req, { min_seconds: 0 }));
  if (!cache[kind] || cache[kind].key !== key) {
    if (cache[kind] && cache[kind].dispose) cache[kind].dispose();
    cache[kind] = Object.assign({ key }, make());
  }
  return cache[kind];
}

// ---- brain.js: one sample at a time (it has no batched API) ----------------
function brainNet(req) {
  if (req.act !== 'sigmoid' || req.out_act !== 'sigmoid') throw new Error('brain.js runs sigmoid layers only');
  const net = new lib.NeuralNetwork({ activation: 'sigmoid', hiddenLayers: req.layers.slice(1, -1) });
  net.sizes = req.layers.slice();
  net.initialize();
  return net;
}

const brainOps = {
  forward(req) {
    if (req.batch !== 1) throw new Error('brain.js runs one sample at a time');
    const c = cached('forward', req, () => ({ net: brainNet(req), x: randomArray(req.layers[0], 7) }));
    const r = timed(() => c.net.run(c.x), req.min_seconds);
    return { seconds_per_iter: r.per, iters: r.iters };
  },
  train(req) {
    if (req.batch !== 1) throw new Error('brain.js trains one sample at a time');
    const samples = req.samples || 256;
    const c = cached('train', req, () => {
      const net = brainNet(req);
      // Its own training step: forward, deltas, weights with momentum (learning rate 0.3).
      net.updateTrainingOptions({ learningRate: req.lr || 0.3, momentum: 0.1 });
      const data = [];
      for (let i = 0; i < samples; i++)
        data.push({ input: randomArray(req.layers[0], i + 1), output: randomArray(req.layers.at(-1), i + 9999) });
      return { net, data, pos: 0 };
    });
    const r = timed(() => {
      c.net.trainPattern(c.data[c.pos], false);
      c.pos = (c.pos + 1) % samples;
    }, req.min_seconds);
    return { seconds_per_iter: r.per, seconds_per_sample: r.per, iters: r.iters };
  },
  memory(req) {
    brainNet(req).run(randomArray(req.layers[0], 7));
    return {};
  },
};

// ---- TensorFlow.js, CPU backend ----------------------------------------------
function tfModel(req) {
  const tf = lib;
  const model = tf.sequential();
  for (let i = 1; i < req.layers.length; i++) {
    const last = i === req.layers.length - 1;
    const act = last ? req.out_act : req.act;
    model.add(tf.layers.dense({
      units: req.layers[i],
      activation: act === 'linear' ? 'linear' : act,
      inputShape: i === 1 ? [req.layers[0]] : undefined,
    }));
  }
  return model;
}

const tfOps = {
  forward(req) {
    const tf = lib;
    const c = cached('forward', req, () => {
      const model = tfModel(req);
      const x = tf.tensor2d(randomArray(req.batch * req.layers[0], 7), [req.batch, req.layers[0]]);
      return { model, x, dispose: () => { model.dispose(); x.dispose(); } };
    });
    const r = timed(() => tf.tidy(() => c.model.predict(c.x).dataSync()), req.min_seconds);
    return { seconds_per_iter: r.per, iters: r.iters };
  },
  train(req) {
    const tf = lib;
    const batch = req.batch;
    const samples = Math.max(req.samples || 256, batch);
    const c = cached('train', req, () => {
      const model = tfModel(req);
      const lr = req.lr || 0.01;
      const opt = req.algo === 'adam' ? tf.train.adam(lr) : req.algo === 'sgd' ? tf.train.sgd(lr) : null;
      if (!opt) throw new Error(`tfjs: unsupported algo ${req.algo}`);
      const xs = [], ys = [];
      for (let i = 0; i < samples; i += batch) {
        xs.push(tf.tensor2d(randomArray(batch * req.layers[0], i + 1), [batch, req.layers[0]]));
        ys.push(tf.tensor2d(randomArray(batch * req.layers.at(-1), i + 9999), [batch, req.layers.at(-1)]));
      }
      const dispose = () => { model.dispose(); opt.dispose(); xs.forEach((t) => t.dispose()); ys.forEach((t) => t.dispose()); };
      return { model, opt, xs, ys, pos: 0, dispose };
    });
    const r = timed(() => {
      const i = c.pos;
      c.pos = (c.pos + 1) % c.xs.length;
      tf.tidy(() => {
        const loss = c.opt.minimize(() => tf.losses.meanSquaredError(c.ys[i], c.model.apply(c.xs[i])), true);
        loss.dataSync(); // wait for the step, as the other contenders do
      });
    }, req.min_seconds);
    return { seconds_per_iter: r.per, seconds_per_sample: r.per / batch, iters: r.iters };
  },
  memory(req) {
    const tf = lib;
    tf.tidy(() => tfModel(req).predict(tf.zeros([1, req.layers[0]])).dataSync());
    return {};
  },
};

async function main() {
  if (lib && which === 'tfjs') await lib.setBackend('cpu');
  const hello = () => {
    const version = which === 'tfjs' ? lib.version.tfjs : require('brain.js/package.json').version;
    const reply = { name: which === 'tfjs' ? 'tfjs' : 'brain.js', version, threads: 1 };
    if (which === 'tfjs') reply.backend = lib.getBackend();
    return reply;
  };
  await serve(hello, which === 'tfjs' ? tfOps : brainOps, loadError);
}

main();
