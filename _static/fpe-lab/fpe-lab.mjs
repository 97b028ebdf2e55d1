// The FPE lab: a one-hidden-layer ReLU network on the Boolean clause task, trained in the page,
// split with Fixed Parameter Expansion, and drawn as it learns.
//
// One ES module, no build step, no network. It is:
//   * an anywidget front end (`export default { render }`), the view of
//     `expand_neurons.book.lab.FpeLab` in JupyterLab, Binder and Colab;
//   * a static-page lab: `mountAll()` mounts every `[data-fpe-lab]` element, reading its config
//     (JSON) from that attribute into a small stand-in for the anywidget model;
//   * a library of pure functions (task, network, Adam, splits, expansion, pruning, metrics) that
//     node imports to cross-check them against the Python library (tests/test_fpe_lab.py).
//
// What it mirrors (expand_neurons, the book's Boolean laboratory):
//   task      make_task with clauses on "shared" variables (a ring of clauses*(k-1) variables,
//             consecutive clauses share one) or "disjoint" ones (clauses*k), as many distractor
//             inputs as clause inputs, uniform fair-coin inputs, one output per clause;
//   network   nn.Linear's default initialisation, ReLU, sigmoid + binary cross-entropy (mean over
//             samples and outputs), Adam (betas 0.9 / 0.999, eps 1e-8) at lr 0.01, batches of 256
//             in a fresh random order every epoch; parameters and Adam's state kept in float32;
//   schedule  dense for `split_at` epochs, then the dense copy and every split trained on, each
//             with a fresh Adam (schedule.run_schedule), all on the same batch order;
//   FPE       expansion.expand with bias="split" and count_biases=True: child k of parent i is
//             row alpha*i + k, keeps the parent's weights on its own inputs and b/alpha, copies
//             the parent's outgoing column; then the smallest |w| of both layers together are
//             pruned (ties in a random order) until the non-zero count equals the dense one;
//             masks stay fixed;
//   splits    splits.Random (each parent's inputs shuffled, dealt round-robin) and
//             splits.ClauseAligned (clauses ranked by the parent's weight mass, dealt round-robin;
//             inputs in no clause dealt at random to the children with the fewest inputs);
//   metrics   metrics.clause_attribution, metrics.feature_capacity (mean over inputs),
//             metrics.polysemantic_neurons (threshold 0.2), per-label accuracy and exact match.
// Randomness is the lab's own (a seeded mulberry32); `data` exported from Python replaces the
// task, the initial weights and every random draw, so the lab then replays the library's run.

// ------------------------------------------------------------------------------------------
// Settings
// ------------------------------------------------------------------------------------------

/** The lab's settings and their defaults (the book's pilot; lab.py passes its own values). */
export const DEFAULTS = Object.freeze({
  clauses: 8,
  k: 3,
  variables: "shared",
  neurons: 8,
  alpha: 2,
  split: "both",
  split_at: 100,
  epochs: 200,
  seed: 0,
  lr: 0.01,
  batch_size: 256,
  n_train: 4096,
  n_test: 2048,
});

/** How clauses use variables (tasks.VARIABLES). */
export const VARIABLES = Object.freeze(["shared", "disjoint"]);

/** Which FPE runs each value of the `split` setting trains beside the dense one. */
export const SPLITS = Object.freeze({
  none: [],
  random: ["random"],
  clause: ["clause"],
  both: ["random", "clause"],
});

/** Allowed range of each integer setting, [min, max]. */
export const LIMITS = Object.freeze({
  clauses: [2, 24],
  k: [2, 5],
  neurons: [1, 32],
  alpha: [2, 8],
  split_at: [0, 2000],
  epochs: [1, 2000],
  seed: [0, 2 ** 31 - 1],
  batch_size: [1, 65536],
  n_train: [1, 65536],
  n_test: [1, 65536],
});

/** Attribution share at or above which a clause counts for a neuron (metrics.py's 0.2). */
export const THRESHOLD = 0.2;

/** Clear errors for bad settings; returns a complete, checked copy. */
export function checkConfig(config) {
  const c = { ...DEFAULTS, ...config };
  for (const [name, [lo, hi]] of Object.entries(LIMITS)) {
    const v = c[name];
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new RangeError(`${name} must be an integer in ${lo}..${hi}, got ${JSON.stringify(v)}`);
    }
  }
  if (!VARIABLES.includes(c.variables)) {
    throw new RangeError(`variables must be one of ${VARIABLES.join(", ")}, got ${c.variables}`);
  }
  if (!(c.split in SPLITS)) {
    throw new RangeError(`split must be one of ${Object.keys(SPLITS).join(", ")}, got ${c.split}`);
  }
  if (!(typeof c.lr === "number" && c.lr > 0 && Number.isFinite(c.lr))) {
    throw new RangeError(`lr must be a positive number, got ${c.lr}`);
  }
  if (c.split_at > c.epochs) {
    throw new RangeError(`split_at (${c.split_at}) must be at most epochs (${c.epochs})`);
  }
  const d = inputsOf(c.clauses, c.k, c.variables);
  if (c.alpha > d) {
    throw new RangeError(`alpha (${c.alpha}) must be at most the task's ${d} inputs`);
  }
  return c;
}

/** Inputs of the laboratory's task: its clause variables (clauses*(k-1) shared, clauses*k
 * disjoint) and as many distractors. */
export function inputsOf(clauses, k, variables) {
  return 2 * clauses * (variables === "shared" ? k - 1 : k);
}

// ------------------------------------------------------------------------------------------
// Randomness
// ------------------------------------------------------------------------------------------

const STREAM = { task: 1, init: 2, batches: 3, split: 4 };

/** A seeded generator of floats in [0, 1) (mulberry32), one stream per (seed, stream). */
export function rng(seed, stream = 0) {
  let a = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform random permutation of 0..n-1 (Fisher-Yates), Int32Array (n,). */
export function permutation(n, rand) {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

// ------------------------------------------------------------------------------------------
// The Boolean clause task
// ------------------------------------------------------------------------------------------

/** A data split as the training loop reads it: bits X (n*d, Uint8Array), labels y (n*m,
 * Float32Array) and each sample's active inputs (ptr (n+1,), act). */
function samples(X, y, n, d) {
  const ptr = new Int32Array(n + 1);
  const act = [];
  for (let s = 0; s < n; s++) {
    for (let v = 0; v < d; v++) if (X[s * d + v]) act.push(v);
    ptr[s + 1] = act.length;
  }
  return { n, X, y, ptr, act: Int32Array.from(act) };
}

/** Clause truth values (n*m, Float32Array) of bits X (n*d). */
export function labels(clauses, X, n, d) {
  const m = clauses.length;
  const y = new Float32Array(n * m);
  for (let s = 0; s < n; s++) {
    for (let c = 0; c < m; c++) {
      y[s * m + c] = clauses[c].every(([v, neg]) => (X[s * d + v] === 1) !== neg) ? 1 : 0;
    }
  }
  return y;
}

/** A task from its clauses ([[var, negated], ...] per clause), input count and bits. */
export function taskFrom(clauses, nVars, Xtrain, Xtest) {
  const ntr = Xtrain.length / nVars;
  const nte = Xtest.length / nVars;
  return {
    nVars,
    clauses,
    clauseInputs: clauses.map((lits) => [...new Set(lits.map(([v]) => v))].sort((a, b) => a - b)),
    train: samples(Xtrain, labels(clauses, Xtrain, ntr, nVars), ntr, nVars),
    test: samples(Xtest, labels(clauses, Xtest, nte, nVars), nte, nVars),
  };
}

/** The laboratory's task (tasks.make_task with distractors="equal", distribution="uniform"),
 * drawn from the lab's own generator: clause c takes pool positions c*k ... c*k+k-1 (disjoint)
 * or c*(k-1) ... c*(k-1)+k-1 around a ring (shared). */
export function makeTask({ clauses: m, k, variables, n_train, n_test, seed }) {
  const nVars = inputsOf(m, k, variables);
  const needed = nVars / 2;
  const stride = variables === "shared" ? k - 1 : k;
  const rand = rng(seed, STREAM.task);
  const pool = permutation(nVars, rand).slice(0, needed);
  const clauses = [];
  for (let c = 0; c < m; c++) {
    const lits = [];
    for (let t = 0; t < k; t++) lits.push([pool[(c * stride + t) % needed], rand() < 0.5]);
    clauses.push(lits);
  }
  const bits = (n) => Uint8Array.from({ length: n * nVars }, () => (rand() < 0.5 ? 1 : 0));
  return taskFrom(clauses, nVars, bits(n_train), bits(n_test));
}

/** Bits from a string of '0' and '1' (how lab.py sends them). */
export function bitsOf(text) {
  return Uint8Array.from(text, (ch) => (ch === "1" ? 1 : 0));
}

// ------------------------------------------------------------------------------------------
// The network: d -> h (ReLU) -> c, weights row-major (out, in)
// ------------------------------------------------------------------------------------------

/** A dense network with nn.Linear's default initialisation (uniform in +-1/sqrt(fan_in) for
 * weights and biases). Masks M1 (h*d), M2 (c*h) are null while the network is dense. */
export function initNet(d, h, c, rand) {
  const uniform = (n, fanIn) => {
    const bound = 1 / Math.sqrt(fanIn);
    return Float32Array.from({ length: n }, () => (2 * rand() - 1) * bound);
  };
  const W1 = uniform(h * d, d);
  const b1 = uniform(h, d);
  const W2 = uniform(c * h, h);
  const b2 = uniform(c, h);
  return { d, h, c, W1, b1, W2, b2, M1: null, M2: null };
}

/** A network from exported weights (plain arrays, row-major). */
export function netFrom({ W1, b1, W2, b2 }) {
  const h = b1.length;
  const c = b2.length;
  return {
    d: W1.length / h,
    h,
    c,
    W1: Float32Array.from(W1),
    b1: Float32Array.from(b1),
    W2: Float32Array.from(W2),
    b2: Float32Array.from(b2),
    M1: null,
    M2: null,
  };
}

const PARAMS = ["W1", "b1", "W2", "b2"];
const MASK_OF = { W1: "M1", W2: "M2" };

/** Binary cross-entropy of a logit z against a 0/1 target (torch's stable form), given
 * e = exp(-|z|). */
function bce(z, y, e) {
  return Math.max(z, 0) - z * y + Math.log1p(e);
}

/** Logits (c,) of sample s of `data` into `out`, hidden activations into `a` (h,). */
function forward(net, data, s, a, out) {
  const { d, h, c, W1, b1, W2, b2 } = net;
  const { ptr, act } = data;
  const t0 = ptr[s];
  const t1 = ptr[s + 1];
  for (let j = 0; j < h; j++) {
    let z = b1[j];
    const row = j * d;
    for (let t = t0; t < t1; t++) z += W1[row + act[t]];
    a[j] = z > 0 ? z : 0;
  }
  for (let o = 0; o < c; o++) {
    let z = b2[o];
    const row = o * h;
    for (let j = 0; j < h; j++) z += W2[row + j] * a[j];
    out[o] = z;
  }
}

/** Gradients of the mean loss over the samples `idx` into `g`; returns that mean loss. */
function gradients(net, data, idx, g) {
  const { d, h, c, W2 } = net;
  const { ptr, act, y } = data;
  const gW1 = g.W1;
  const gb1 = g.b1;
  const gW2 = g.W2;
  const gb2 = g.b2;
  gW1.fill(0);
  gb1.fill(0);
  gW2.fill(0);
  gb2.fill(0);
  const a = new Float64Array(h);
  const out = new Float64Array(c);
  const dz = new Float64Array(h);
  const scale = 1 / (idx.length * c);
  let loss = 0;
  for (let b = 0; b < idx.length; b++) {
    const s = idx[b];
    forward(net, data, s, a, out);
    dz.fill(0);
    for (let o = 0; o < c; o++) {
      const z = out[o];
      const target = y[s * c + o];
      const e = Math.exp(-Math.abs(z));
      loss += bce(z, target, e);
      const delta = ((z >= 0 ? 1 / (1 + e) : e / (1 + e)) - target) * scale;
      gb2[o] += delta;
      const row = o * h;
      for (let j = 0; j < h; j++) {
        gW2[row + j] += delta * a[j];
        dz[j] += delta * W2[row + j];
      }
    }
    const t0 = ptr[s];
    const t1 = ptr[s + 1];
    for (let j = 0; j < h; j++) {
      if (a[j] <= 0) continue;
      const dj = dz[j];
      gb1[j] += dj;
      const row = j * d;
      for (let t = t0; t < t1; t++) gW1[row + act[t]] += dj;
    }
  }
  return loss * scale;
}

/** Mean loss, per-label accuracy and exact match (every output right) on `data`. */
export function evaluate(net, data) {
  const { h, c } = net;
  const a = new Float64Array(h);
  const out = new Float64Array(c);
  let loss = 0;
  let right = 0;
  let exact = 0;
  for (let s = 0; s < data.n; s++) {
    forward(net, data, s, a, out);
    let all = true;
    for (let o = 0; o < c; o++) {
      const y = data.y[s * c + o];
      loss += bce(out[o], y, Math.exp(-Math.abs(out[o])));
      const ok = out[o] > 0 === y > 0.5;
      right += ok;
      all &&= ok;
    }
    exact += all;
  }
  return { loss: loss / (data.n * c), accuracy: right / (data.n * c), exact_match: exact / data.n };
}

/** Adam's state for `net` (torch.optim.Adam: betas 0.9, 0.999, eps 1e-8, no weight decay). */
export function makeAdam(net, lr) {
  const zeros = (p) => new Float32Array(net[p].length);
  const state = { lr, t: 0, m: {}, v: {}, g: {} };
  for (const p of PARAMS) {
    state.m[p] = zeros(p);
    state.v[p] = zeros(p);
    state.g[p] = new Float64Array(net[p].length);
  }
  return state;
}

/** One Adam step on the batch `idx`; masked weights keep a zero gradient (so stay zero).
 * Returns the batch's mean loss. */
export function trainStep(net, opt, data, idx) {
  const loss = gradients(net, data, idx, opt.g);
  opt.t += 1;
  const c1 = 1 - 0.9 ** opt.t;
  const c2 = Math.sqrt(1 - 0.999 ** opt.t);
  const step = opt.lr / c1;
  for (const p of PARAMS) {
    const w = net[p];
    const g = opt.g[p];
    const m = opt.m[p];
    const v = opt.v[p];
    const mask = MASK_OF[p] ? net[MASK_OF[p]] : null;
    for (let i = 0; i < w.length; i++) {
      if (mask && !mask[i]) continue;
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
      w[i] -= (step * m[i]) / (Math.sqrt(v[i]) / c2 + 1e-8);
    }
  }
  return loss;
}

/** One epoch over `data` in the sample order `order` (Int32Array (n,)), batches of `batch`;
 * returns the epoch's mean training loss (each batch weighted by its size, as fit records it). */
export function trainEpoch(net, opt, data, order, batch) {
  let total = 0;
  for (let s = 0; s < order.length; s += batch) {
    const idx = order.subarray(s, s + batch);
    total += (trainStep(net, opt, data, idx) * idx.length) / order.length;
  }
  return total;
}

// ------------------------------------------------------------------------------------------
// Fixed Parameter Expansion
// ------------------------------------------------------------------------------------------

/** Child masks (h*alpha*d, Uint8Array, [i][k][v]) from child assignments (h*d, in 0..alpha-1). */
function fromAssignment(assign, h, d, alpha) {
  const masks = new Uint8Array(h * alpha * d);
  for (let i = 0; i < h; i++) {
    for (let v = 0; v < d; v++) masks[(i * alpha + assign[i * d + v]) * d + v] = 1;
  }
  return masks;
}

/** splits.Random: parent i deals input perm[i*d + r] to child r % alpha. `perm` is h
 * permutations of 0..d-1 back to back (the library's rand(h, d).argsort(dim=1)). */
export function randomSplit(h, d, alpha, perm) {
  const assign = new Int32Array(h * d);
  for (let i = 0; i < h; i++) {
    for (let r = 0; r < d; r++) assign[i * d + perm[i * d + r]] = r % alpha;
  }
  return fromAssignment(assign, h, d, alpha);
}

/** Inputs that belong to no clause, ascending. */
export function restInputs(d, clauseInputs) {
  const used = new Set(clauseInputs.flat());
  return Array.from({ length: d }, (_, v) => v).filter((v) => !used.has(v));
}

/** splits.ClauseAligned (order="weight") on the effective weight W (h*d): each parent ranks the
 * clauses by its weight mass on them (stable, heaviest first) and deals them round-robin (an input
 * of several clauses follows the first); inputs in no clause go, in the order
 * rest[restPerm[i][t]], each to the child with the fewest inputs (the first such child). */
export function clauseSplit(W, h, d, alpha, clauseInputs, restPerm) {
  const rest = restInputs(d, clauseInputs);
  const assign = new Int32Array(h * d).fill(-1);
  for (let i = 0; i < h; i++) {
    const mass = clauseInputs.map((g) => g.reduce((sum, v) => sum + Math.abs(W[i * d + v]), 0));
    const ranking = mass.map((_, c) => c).sort((x, y) => mass[y] - mass[x] || x - y);
    ranking.forEach((c, r) => {
      for (const v of clauseInputs[c]) if (assign[i * d + v] < 0) assign[i * d + v] = r % alpha;
    });
    const sizes = new Int32Array(alpha);
    for (let v = 0; v < d; v++) if (assign[i * d + v] >= 0) sizes[assign[i * d + v]] += 1;
    for (const t of restPerm[i]) {
      let best = 0;
      for (let k = 1; k < alpha; k++) if (sizes[k] < sizes[best]) best = k;
      assign[i * d + rest[t]] = best;
      sizes[best] += 1;
    }
  }
  return fromAssignment(assign, h, d, alpha);
}

function countIn(a, mask) {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0 && (!mask || mask[i])) n += 1;
  return n;
}

/** Non-zero parameters of `net` (biases included: the budget expand keeps with
 * count_biases=True). */
export function countNonzero(net) {
  return countIn(net.W1, net.M1) + countIn(net.b1) + countIn(net.W2, net.M2) + countIn(net.b2);
}

/** Fixed Parameter Expansion of `net` with child masks `masks` (h*alpha*d): children get the
 * parent's masked incoming weights and b/alpha, copy its outgoing column; then the smallest
 * |w| across both layers are pruned, equal magnitudes in the order of `shuffle` (a permutation
 * of all h*alpha*d + c*h*alpha weight positions, first layer first), until the non-zero count is
 * the dense one's. Returns the new network; `net` is left unchanged. */
export function expandNet(net, alpha, masks, shuffle) {
  const { d, h, c } = net;
  const H = h * alpha;
  const budget = countNonzero(net);
  const out = { d, h: H, c, b2: net.b2.slice() };
  out.W1 = new Float32Array(H * d);
  out.M1 = new Uint8Array(H * d);
  out.b1 = new Float32Array(H);
  out.W2 = new Float32Array(c * H);
  out.M2 = new Uint8Array(c * H);
  for (let i = 0; i < h; i++) {
    for (let k = 0; k < alpha; k++) {
      const j = i * alpha + k;
      out.b1[j] = net.b1[i] / alpha;
      for (let v = 0; v < d; v++) {
        const w = net.W1[i * d + v];
        const live = masks[j * d + v] && w !== 0 && (!net.M1 || net.M1[i * d + v]);
        out.M1[j * d + v] = live ? 1 : 0;
        out.W1[j * d + v] = live ? w : 0;
      }
      for (let o = 0; o < c; o++) {
        const w = net.W2[o * h + i];
        const live = w !== 0 && (!net.M2 || net.M2[o * h + i]);
        out.M2[o * H + j] = live ? 1 : 0;
        out.W2[o * H + j] = live ? w : 0;
      }
    }
  }
  prune(out, countNonzero(out) - budget, shuffle);
  const got = countNonzero(out);
  if (got !== budget) throw new Error(`FPE accounting failed: ${got} non-zeros, ${budget} before`);
  return out;
}

/** Mask the n smallest-magnitude live weights of W1 and W2 together (in place); ties by the
 * position of each weight in `shuffle` (earlier is pruned first). */
export function prune(net, n, shuffle) {
  if (n <= 0) return;
  const n1 = net.W1.length;
  const value = (p) => (p < n1 ? net.W1[p] : net.W2[p - n1]);
  const rank = new Int32Array(shuffle.length);
  shuffle.forEach((p, r) => {
    rank[p] = r;
  });
  const live = [];
  for (let p = 0; p < shuffle.length; p++) if (value(p) !== 0) live.push(p);
  if (live.length < n) throw new Error(`cannot prune ${n} weights: ${live.length} are non-zero`);
  live.sort((p, q) => Math.abs(value(p)) - Math.abs(value(q)) || rank[p] - rank[q]);
  for (const p of live.slice(0, n)) {
    if (p < n1) {
      net.W1[p] = 0;
      net.M1[p] = 0;
    } else {
      net.W2[p - n1] = 0;
      net.M2[p - n1] = 0;
    }
  }
}

// ------------------------------------------------------------------------------------------
// Metrics (expand_neurons.metrics)
// ------------------------------------------------------------------------------------------

/** Clause attribution A (clauses x neurons, rows of plain arrays): the share of each neuron's
 * absolute input weight on each clause's inputs (0 for a dead neuron). */
export function clauseAttribution(W, h, d, clauseInputs) {
  return clauseInputs.map((g) =>
    Array.from({ length: h }, (_, j) => {
      let total = 0;
      for (let v = 0; v < d; v++) total += Math.abs(W[j * d + v]);
      if (total <= 0) return 0;
      return g.reduce((sum, v) => sum + Math.abs(W[j * d + v]), 0) / total;
    }),
  );
}

/** Neurons with at least two clauses at or above THRESHOLD of their weight. */
export function polysemanticNeurons(A) {
  const h = A.length ? A[0].length : 0;
  let n = 0;
  for (let j = 0; j < h; j++) if (A.filter((row) => row[j] >= THRESHOLD).length >= 2) n += 1;
  return n;
}

/** Mean feature capacity over inputs: C_i = (w_i.w_i)^2 / sum_j (w_i.w_j)^2, w_i = W[:, i]. */
export function featureCapacity(W, h, d) {
  const G = new Float64Array(d * d);
  for (let j = 0; j < h; j++) {
    for (let u = 0; u < d; u++) {
      const wu = W[j * d + u];
      if (wu === 0) continue;
      for (let v = 0; v < d; v++) G[u * d + v] += wu * W[j * d + v];
    }
  }
  let sum = 0;
  for (let u = 0; u < d; u++) {
    let denom = 0;
    for (let v = 0; v < d; v++) denom += G[u * d + v] ** 2;
    if (denom > 0) sum += G[u * d + u] ** 2 / denom;
  }
  return sum / d;
}

// ------------------------------------------------------------------------------------------
// The schedule: dense warm-up, split, every run trained on
// ------------------------------------------------------------------------------------------

/** A lab ready to train. `data` (optional, from lab.py) replaces the lab's own randomness: task
 * {clauses, n_vars, X_train, X_test} (bit strings), init {W1, b1, W2, b2}, orders {warmup,
 * post} (one sample order per epoch) and draws {random: {perm, shuffle}, clause: {rest,
 * shuffle}} (the split's random draws). */
export function createLab(config, data = null) {
  const cfg = checkConfig(config);
  const given = data?.task;
  const task = given
    ? taskFrom(given.clauses, given.n_vars, bitsOf(given.X_train), bitsOf(given.X_test))
    : makeTask(cfg);
  const d = task.nVars;
  const m = task.clauses.length;
  const rand = rng(cfg.seed, STREAM.init);
  const net = data?.init ? netFrom(data.init) : initNet(d, cfg.neurons, m, rand);
  if (net.d !== d || net.c !== m || net.h !== cfg.neurons) {
    throw new RangeError(
      `the initial weights are ${d} -> ${net.h} -> ${net.c}; the task and the settings ` +
        `need ${d} -> ${cfg.neurons} -> ${m}`,
    );
  }
  const lab = {
    cfg,
    task,
    data,
    epoch: 0,
    split: false,
    batchRand: rng(cfg.seed, STREAM.batches),
    splitRand: rng(cfg.seed, STREAM.split),
    runs: [newRun("dense", net, cfg.lr)],
  };
  if (cfg.split_at === 0) splitLab(lab);
  return lab;
}

function newRun(name, net, lr) {
  return { name, net, opt: makeAdam(net, lr), history: [], atSplit: null, attribution: null };
}

/** The split's child masks for run `kind` of `lab` (its dense network as it is now). */
function splitMasks(lab, kind, net) {
  const { h, d } = net;
  const alpha = lab.cfg.alpha;
  const draws = lab.data?.draws?.[kind];
  if (kind === "random") {
    const perm = draws ? Int32Array.from(draws.perm.flat()) : new Int32Array(h * d);
    if (!draws) for (let i = 0; i < h; i++) perm.set(permutation(d, lab.splitRand), i * d);
    return randomSplit(h, d, alpha, perm);
  }
  const nRest = restInputs(d, lab.task.clauseInputs).length;
  const restPerm = draws
    ? draws.rest
    : Array.from({ length: h }, () => permutation(nRest, lab.splitRand));
  return clauseSplit(net.W1, h, d, alpha, lab.task.clauseInputs, restPerm);
}

/** Split: every FPE run starts from the dense network as it is now; the dense run goes on with
 * a fresh Adam, as the library's dense baseline does. */
export function splitLab(lab) {
  const dense = lab.runs[0];
  const { h, d, c } = dense.net;
  const n = h * lab.cfg.alpha * (d + c);
  for (const kind of SPLITS[lab.cfg.split]) {
    const draws = lab.data?.draws?.[kind];
    const shuffle = draws ? Int32Array.from(draws.shuffle) : permutation(n, lab.splitRand);
    const net = expandNet(dense.net, lab.cfg.alpha, splitMasks(lab, kind, dense.net), shuffle);
    const run = newRun(kind, net, lab.cfg.lr);
    const { attribution, ...now } = measure(lab, net);
    run.history = dense.history.slice();
    run.atSplit = { epoch: lab.epoch, ...now };
    run.attribution = attribution;
    lab.runs.push(run);
  }
  dense.opt = makeAdam(dense.net, lab.cfg.lr);
  lab.split = true;
}

/** What is recorded of a network: test loss, accuracy, exact match, feature capacity, the
 * clause attribution, polysemantic neurons, neurons and non-zeros. */
export function measure(lab, net) {
  const A = clauseAttribution(net.W1, net.h, net.d, lab.task.clauseInputs);
  const test = evaluate(net, lab.task.test);
  return {
    test_loss: test.loss,
    accuracy: test.accuracy,
    exact_match: test.exact_match,
    capacity: featureCapacity(net.W1, net.h, net.d),
    polysemantic: polysemanticNeurons(A),
    neurons: net.h,
    nonzero: countNonzero(net),
    attribution: A,
  };
}

/** The sample order of the coming epoch (the exported one when there is one). */
function nextOrder(lab) {
  const orders = lab.data?.orders;
  const list = lab.split ? orders?.post : orders?.warmup;
  const e = lab.split ? lab.epoch - lab.cfg.split_at : lab.epoch;
  if (list?.[e]) return Int32Array.from(list[e]);
  return permutation(lab.task.train.n, lab.batchRand);
}

/** Train every run one epoch (on the same sample order) and record it; split first when the
 * epoch is the split's. Returns false once the lab has trained all its epochs. */
export function stepLab(lab) {
  if (lab.epoch >= lab.cfg.epochs) return false;
  const order = nextOrder(lab);
  for (const run of lab.runs) {
    const train_loss = trainEpoch(run.net, run.opt, lab.task.train, order, lab.cfg.batch_size);
    const { attribution, ...rest } = measure(lab, run.net);
    run.history.push({ epoch: lab.epoch + 1, train_loss, ...rest });
    run.attribution = attribution;
  }
  lab.epoch += 1;
  if (lab.epoch === lab.cfg.split_at && !lab.split) splitLab(lab);
  return lab.epoch < lab.cfg.epochs;
}

/** A JSON-ready summary: per run its history, its state right after the split and its last
 * record. */
export function summary(lab) {
  const runs = {};
  for (const run of lab.runs) {
    runs[run.name] = {
      history: run.history,
      at_split: run.atSplit,
      final: run.history.at(-1) ?? null,
    };
  }
  return { epoch: lab.epoch, epochs: lab.cfg.epochs, split_at: lab.cfg.split_at, runs };
}

/** Train a lab to the end at once (node, tests); returns its summary. */
export function runLab(config, data = null) {
  const lab = createLab(config, data);
  while (stepLab(lab));
  return summary(lab);
}

// ------------------------------------------------------------------------------------------
// The view: controls, curves, heatmaps and a table (DOM only from here on)
// ------------------------------------------------------------------------------------------

/** Colours of the runs (expand_neurons.book.figures.VARIANT_COLOURS). */
export const COLOURS = Object.freeze({ dense: "#E69F00", random: "#0072B2", clause: "#009E73" });
const NAMES = { dense: "dense", random: "random split", clause: "clause-aligned split" };
const SPLIT_NAMES = {
  none: "none (dense only)",
  random: "random",
  clause: "clause-aligned",
  both: "random and clause-aligned",
};
const CAPTIONS = {
  clauses: "clauses",
  neurons: "neurons",
  alpha: "α (children)",
  split: "split",
  split_at: "split after epoch",
  epochs: "epochs",
  seed: "seed",
};
const SVG = "http://www.w3.org/2000/svg";
/** Milliseconds of training between two redraws. */
const SLICE_MS = 150;

const STYLE = `
.fpe-lab { font: 14px/1.4 system-ui, sans-serif; color: inherit; max-width: 100%; }
.fpe-lab * { box-sizing: border-box; }
.fpe-lab-controls { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: end; }
.fpe-lab-controls label { display: flex; flex-direction: column; font-size: 12px; }
.fpe-lab-controls input { width: 6.5em; }
.fpe-lab-controls input, .fpe-lab-controls select { font: inherit; color: inherit;
  background: transparent; border: 1px solid rgba(128,128,128,.6); border-radius: 4px;
  padding: 2px 4px; }
.fpe-lab-controls select option { color: #222; }
.fpe-lab-controls button { font: inherit; padding: 3px 12px; border-radius: 4px; cursor: pointer;
  border: 1px solid rgba(128,128,128,.7); background: rgba(128,128,128,.12); color: inherit; }
.fpe-lab-controls button:disabled { opacity: .45; cursor: default; }
.fpe-lab-status { margin: 6px 0; min-height: 1.4em; font-size: 13px; }
.fpe-lab-status[data-status="error"] { color: #D55E00; }
.fpe-lab-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; }
.fpe-lab-legend span::before { content: ""; display: inline-block; width: 14px; height: 3px;
  margin: 0 5px 3px 0; background: var(--swatch); vertical-align: middle; }
.fpe-lab-grid { display: grid; gap: 8px;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 230px), 1fr)); }
.fpe-lab-grid svg { width: 100%; height: auto; display: block; overflow: visible; }
.fpe-lab-grid figure { margin: 0; min-width: 0; }
.fpe-lab-grid figcaption { font-size: 12px; text-align: center; color: inherit; }
.fpe-lab-scroll { overflow-x: auto; max-width: 100%; }
.fpe-lab-table { border-collapse: collapse; font-size: 12px; margin-top: 6px; }
.fpe-lab-table th, .fpe-lab-table td { padding: 2px 8px; text-align: right; white-space: nowrap; }
.fpe-lab-table tbody th { text-align: left; font-weight: normal; }
.fpe-lab-table thead th { border-bottom: 1px solid rgba(128,128,128,.6); }
`;

/** Shorthand: an element of `tag` (in SVG's namespace when `svg`), attributes, children. */
function node(tag, attrs = {}, children = [], svg = false) {
  const el = svg ? document.createElementNS(SVG, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") el.textContent = v;
    else el.setAttribute(k, v);
  }
  for (const c of children) el.append(c);
  return el;
}
const svgNode = (tag, attrs = {}, children = []) => node(tag, attrs, children, true);

/** Round tick values spanning [lo, hi] (about n of them). */
function ticks(lo, hi, n = 4) {
  const raw = (hi - lo) / n || 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(+v.toFixed(10));
  }
  return out;
}

/** SVG text at (x, y) in the text's colour. */
function label(x, y, text, { anchor = "start", size = 10, ...attrs } = {}) {
  const style = { "text-anchor": anchor, "font-size": size, fill: "currentColor" };
  return svgNode("text", { x, y, ...style, ...attrs, text });
}

/** An SVG line from (x1, y1) to (x2, y2) in the text's colour at `opacity`. */
function rule(x1, y1, x2, y2, opacity, attrs = {}) {
  const style = { stroke: "currentColor", "stroke-opacity": opacity };
  return svgNode("line", { x1, y1, x2, y2, ...style, ...attrs });
}

/** A line chart in `svg`: one line per series [{name, points: [[x, y]]}], a dashed line at
 * the split, axis titles. */
function drawChart(svg, { series, xmax, splitAt, ylabel, yrange }) {
  const W = 300;
  const H = 190;
  const m = { l: 44, r: 8, t: 8, b: 34 };
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  let [lo, hi] = yrange ?? (ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1]);
  if (hi - lo < 1e-6) [lo, hi] = [lo - 0.05, hi + 0.05];
  const x = (v) => m.l + ((W - m.l - m.r) * v) / Math.max(xmax, 1);
  const y = (v) => H - m.b - ((H - m.t - m.b) * (Math.min(hi, Math.max(lo, v)) - lo)) / (hi - lo);
  const middle = (m.t + H - m.b) / 2;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.replaceChildren(
    svgNode("path", {
      d: `M${m.l},${m.t}V${H - m.b}H${W - m.r}`,
      stroke: "currentColor",
      "stroke-opacity": 0.5,
      fill: "none",
    }),
    label((m.l + W - m.r) / 2, H - 4, "epoch", { anchor: "middle", size: 11 }),
    label(11, middle, ylabel, {
      anchor: "middle", size: 11, transform: `rotate(-90 11 ${middle})`,
    }),
  );
  for (const v of ticks(lo, hi).filter((t) => t >= lo && t <= hi)) {
    svg.append(rule(m.l - 3, y(v), W - m.r, y(v), 0.12));
    svg.append(label(m.l - 5, y(v) + 3, String(v), { anchor: "end" }));
  }
  for (const v of ticks(0, xmax)) {
    svg.append(label(x(v), H - m.b + 13, String(v), { anchor: "middle" }));
  }
  if (splitAt > 0 && splitAt < xmax) {
    svg.append(rule(x(splitAt), m.t, x(splitAt), H - m.b, 0.5, { "stroke-dasharray": "4 3" }));
    svg.append(label(x(splitAt) + 3, m.t + 9, "split"));
  }
  for (const s of series) {
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    if (!pts.length) continue;
    const d = pts.map((p, i) => `${i ? "L" : "M"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`);
    const style = { fill: "none", stroke: COLOURS[s.name], "stroke-width": 1.6 };
    svg.append(svgNode("path", { d: d.join(""), ...style, "data-run": s.name }));
  }
}

/** The clause attribution A (clauses x neurons) of one run as a grid of cells: shares at or
 * above THRESHOLD in the run's colour (darker = larger), the rest faint grey; grey lines
 * between the children of different parents. */
function drawHeatmap(svg, A, name, alpha) {
  const m = A.length;
  const h = A[0]?.length ?? 0;
  const cell = Math.max(4, Math.min(22, 260 / Math.max(h, 1)));
  const left = 26;
  const top = 4;
  const W = left + h * cell + 4;
  const H = top + m * cell + 16;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.style.maxWidth = `${Math.max(W, 140) * 1.3}px`;
  svg.replaceChildren();
  A.forEach((row, c) => {
    const size = Math.min(10, cell);
    svg.append(label(left - 3, top + (c + 0.7) * cell, `c${c}`, { anchor: "end", size }));
    row.forEach((share, j) => {
      const strong = share >= THRESHOLD;
      const tip = `clause ${c}, neuron ${j}: ${(100 * share).toFixed(0)} %`;
      const rect = {
        x: left + j * cell,
        y: top + c * cell,
        width: cell - 1,
        height: cell - 1,
        fill: strong ? COLOURS[name] : "rgb(128,128,128)",
        "fill-opacity": (strong ? 0.35 + 0.65 * share : 0.08 + 0.5 * share).toFixed(3),
      };
      svg.append(svgNode("rect", rect, [svgNode("title", { text: tip })]));
    });
  });
  if (name !== "dense") {
    for (let i = 1; i < h / alpha; i++) {
      const xi = left + i * alpha * cell - 0.5;
      svg.append(rule(xi, top, xi, top + m * cell, 0.45));
    }
  }
  const caption = name === "dense" ? "neuron" : "neuron (children of one parent side by side)";
  svg.append(label(left + (h * cell) / 2, H - 3, caption, { anchor: "middle" }));
}

const COLUMNS = [
  ["neurons", "neurons", (v) => String(v)],
  ["nonzero", "non-zeros", (v) => String(v)],
  ["test_loss", "test loss", (v) => v.toFixed(4)],
  ["accuracy", "accuracy %", (v) => (100 * v).toFixed(1)],
  ["exact_match", "exact match %", (v) => (100 * v).toFixed(1)],
  ["capacity", "feature capacity", (v) => v.toFixed(3)],
  ["polysemantic", "polysemantic", (v) => String(v)],
];

/** A stand-in for the anywidget model on a page without a kernel. */
export function pageModel(config = {}) {
  const state = { ...DEFAULTS, data: {}, results: {}, status: "idle", ...config };
  const handlers = new Map();
  return {
    get: (key) => state[key],
    set(key, value) {
      state[key] = value;
      for (const f of handlers.get(`change:${key}`) ?? []) f();
    },
    on(event, f) {
      handlers.set(event, [...(handlers.get(event) ?? []), f]);
    },
    off(event, f) {
      handlers.set(event, (handlers.get(event) ?? []).filter((g) => g !== f));
    },
    save_changes() {},
  };
}

/** The settings the model holds now. */
function settingsOf(model) {
  return Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, model.get(k)]));
}

/** anywidget's render: builds the lab in `el`, bound to `model`; returns a cleanup. */
export function render({ model, el }) {
  const number = (name) => {
    const [min, max] = LIMITS[name];
    return node("input", { type: "number", name, min, max });
  };
  const option = ([value, text]) => node("option", { value, text });
  const options = Object.entries(SPLIT_NAMES).map(option);
  const controls = {
    clauses: number("clauses"),
    neurons: number("neurons"),
    alpha: number("alpha"),
    split: node("select", { name: "split" }, options),
    split_at: number("split_at"),
    epochs: number("epochs"),
    seed: number("seed"),
  };
  const button = (action, text) => node("button", { type: "button", "data-action": action, text });
  const buttons = {
    train: button("train", "Train"),
    pause: button("pause", "Pause"),
    reset: button("reset", "Reset"),
  };
  const status = node("div", { class: "fpe-lab-status", role: "status", "aria-live": "polite" });
  const legend = node("div", { class: "fpe-lab-legend" });
  const chart = (key, ylabel, yrange) => {
    return { svg: svgNode("svg", { "data-chart": key }), ylabel, yrange };
  };
  const charts = {
    train_loss: chart("train_loss", "training loss"),
    exact_match: chart("exact_match", "test exact match", [0, 1]),
    capacity: chart("capacity", "feature capacity", [0, 1]),
  };
  const heatmaps = node("div", { class: "fpe-lab-grid" });
  const table = node("table", { class: "fpe-lab-table" });
  const figures = Object.values(charts).map((c) => node("figure", {}, [c.svg]));
  const about =
    "Clause attribution: each neuron's share of input weight on each clause (coloured at " +
    `${100 * THRESHOLD} % or more).`;
  const root = node("div", { class: "fpe-lab" }, [
    node("style", { text: STYLE }),
    node("div", { class: "fpe-lab-controls" }, [
      ...Object.entries(controls).map(([k, input]) => node("label", {}, [CAPTIONS[k], input])),
      ...Object.values(buttons),
    ]),
    status,
    legend,
    node("div", { class: "fpe-lab-grid" }, figures),
    node("p", { class: "fpe-lab-status", text: about }),
    heatmaps,
    node("div", { class: "fpe-lab-scroll" }, [table]),
  ]);
  el.replaceChildren(root);

  let lab = null;
  let timer = null;
  /** A run's latest record: its last epoch, else the split, else the untrained network. */
  const latest = (run) => run.history.at(-1) ?? run.atSplit ?? run.initial;
  let seconds = 0;

  const setStatus = (state, text) => {
    status.dataset.status = state;
    status.textContent = text;
    buttons.train.disabled = state === "training" || state === "done" || state === "error";
    buttons.pause.disabled = state !== "training";
    model.set("status", state);
    model.save_changes();
  };

  const publish = () => {
    model.set("results", { ...summary(lab), seconds, settings: lab.cfg });
    model.save_changes();
  };

  const draw = () => {
    const shown = lab.runs.map((r) => r.name);
    const swatch = (n) => node("span", { style: `--swatch:${COLOURS[n]}`, text: NAMES[n] });
    legend.replaceChildren(...shown.map(swatch));
    for (const [key, c] of Object.entries(charts)) {
      const series = lab.runs.map((run) => {
        const pts = run.history.map((r) => [r.epoch, r[key]]);
        if (run.atSplit && key !== "train_loss") {
          pts.splice(run.atSplit.epoch, 0, [run.atSplit.epoch, run.atSplit[key]]);
        }
        return { name: run.name, points: pts };
      });
      const { epochs: xmax, split_at: splitAt } = lab.cfg;
      drawChart(c.svg, { series, xmax, splitAt, ylabel: c.ylabel, yrange: c.yrange });
    }
    heatmaps.replaceChildren(...lab.runs.map((run) => {
      const now = latest(run);
      const svg = svgNode("svg", { "data-heatmap": run.name });
      drawHeatmap(svg, run.attribution, run.name, lab.cfg.alpha);
      const text = `${NAMES[run.name]}: ${now.neurons} neurons, ${now.polysemantic} polysemantic`;
      return node("figure", {}, [node("figcaption", { text }), svg]);
    }));
    const now = lab.runs.map(latest);
    table.replaceChildren(
      node("thead", {}, [node("tr", {}, [
        node("th", { text: `after epoch ${lab.epoch}` }),
        ...lab.runs.map((run) => node("th", { "data-run": run.name, text: NAMES[run.name] })),
      ])]),
      node("tbody", {}, COLUMNS.map(([key, label, fmt]) => node("tr", { "data-key": key }, [
        node("th", { text: label }),
        ...now.map((r, i) => node("td", { "data-run": lab.runs[i].name, text: fmt(r[key]) })),
      ]))),
    );
  };

  const stop = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };

  const reset = () => {
    stop();
    seconds = 0;
    for (const [k, input] of Object.entries(controls)) input.value = model.get(k);
    try {
      const data = model.get("data");
      lab = createLab(settingsOf(model), data && Object.keys(data).length ? data : null);
    } catch (err) {
      lab = null;
      setStatus("error", `Cannot build this lab: ${err.message}`);
      return;
    }
    for (const run of lab.runs) {
      const { attribution, ...rest } = measure(lab, run.net);
      run.initial = run.atSplit ?? { epoch: 0, ...rest };
      run.attribution = attribution;
    }
    draw();
    model.set("results", {});
    const { nVars, clauses } = lab.task;
    const sizes = `${nVars} inputs, ${clauses.length} clauses, ${lab.cfg.neurons} neurons`;
    setStatus("idle", `${sizes}. Press Train.`);
  };

  const tick = () => {
    const t0 = performance.now();
    let more = true;
    while (more && performance.now() - t0 < SLICE_MS) more = stepLab(lab);
    seconds += (performance.now() - t0) / 1000;
    draw();
    if (more) {
      status.textContent = `Training: epoch ${lab.epoch} of ${lab.cfg.epochs}`;
      timer = setTimeout(tick, 0);
    } else {
      timer = null;
      publish();
      const took = `${seconds.toFixed(1)} s of computing`;
      setStatus("done", `Trained ${lab.cfg.epochs} epochs in ${took}.`);
    }
  };

  const actions = {
    train: () => {
      if (!lab || timer !== null || lab.epoch >= lab.cfg.epochs) return;
      setStatus("training", `Training: epoch ${lab.epoch} of ${lab.cfg.epochs}`);
      timer = setTimeout(tick, 0);
    },
    pause: () => {
      if (timer === null) return;
      stop();
      publish();
      setStatus("paused", `Paused after epoch ${lab.epoch} of ${lab.cfg.epochs}. Train goes on.`);
    },
    reset,
  };
  for (const [name, b] of Object.entries(buttons)) b.addEventListener("click", actions[name]);
  for (const [k, input] of Object.entries(controls)) {
    input.addEventListener("change", () => {
      const value = k === "split" ? input.value : Number(input.value);
      model.set(k, value);
      model.save_changes();
    });
  }
  const keys = [...Object.keys(DEFAULTS), "data"];
  for (const k of keys) model.on(`change:${k}`, reset);
  reset();
  return () => {
    stop();
    for (const k of keys) model.off(`change:${k}`, reset);
  };
}

/** Mount the lab on `el`, configured by its `data-fpe-lab` JSON, with no kernel; the model
 * stand-in is kept as `el.fpeLab` (pages and tests read `results` and `status` from it). */
export function mount(el) {
  const model = pageModel(JSON.parse(el.dataset.fpeLab || "{}"));
  el.fpeLab = { model, cleanup: render({ model, el }) };
  return el.fpeLab;
}

/** Mount every `[data-fpe-lab]` element of `root` not mounted yet. */
export function mountAll(root = document) {
  for (const el of root.querySelectorAll("[data-fpe-lab]")) if (!el.fpeLab) mount(el);
}

export default { render };
