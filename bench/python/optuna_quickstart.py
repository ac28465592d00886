"""The quickstart's sweep as a researcher would run it without MTL Lab: an Optuna study with SQLite
storage and n_jobs = cores, driving a PyTorch training loop (used by `pnpm bench sweep`).

It reads the data `bench/src/sweep.ts` exported from MTL Lab's own dataset (the same train/val/test
rows) and reproduces the quickstart's model and training: a hard-sharing MLP (one hidden layer,
relu, Glorot-uniform weights, zero biases) with one linear head per task, or one such network per
task for the single-task baseline; Adam (tfjs's epsilon 1e-7), the same epochs, batch size,
learning rate and seeds; the same weighting rules (equal, uncertainty, dwa, gradnorm, pcgrad, mgda,
cagrad) with MTL Lab's default options. CAGrad's inner problem is solved with SciPy's SLSQP, as in
the authors' code. Initial weights come from torch's generator, not MTL Lab's, so per-seed numbers
differ; the sweep's mean is what is compared.

usage: python3 optuna_quickstart.py DATA.json STUDY.sqlite N_JOBS
Prints one JSON line: wall seconds, trials, and the mean final val/test MSE over tasks and trials.
"""

import json
import sys
import time

try:
    import numpy as np
    import optuna
    import torch
except ImportError as e:  # the bench prints this and skips the side
    print(json.dumps({"missing": str(e)}))
    sys.exit(3)

data_path, db_path, n_jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(data_path) as f:
    spec = json.load(f)
tasks = spec["tasks"]
T = len(tasks)
train_cfg = spec["training"]
hidden = spec["hidden"]


def split(name):
    s = spec["splits"][name]
    x = torch.tensor(s["x"], dtype=torch.float32).reshape(s["n"], -1)
    ys = [torch.tensor(s["y"][t], dtype=torch.float32) for t in tasks]
    return x, ys


data = {name: split(name) for name in ("train", "val", "test")}
d = data["train"][0].shape[1]


def dense(a, b):
    layer = torch.nn.Linear(a, b)
    torch.nn.init.xavier_uniform_(layer.weight)
    torch.nn.init.zeros_(layer.bias)
    return layer


def trunk_of(sizes):
    """Dense layers, each followed by relu (the quickstart's trunk)."""
    return torch.nn.Sequential(*[m for a, b in zip(sizes[:-1], sizes[1:]) for m in (dense(a, b), torch.nn.ReLU())])


def min_norm_simplex(M, max_iter=250, tol=1e-5):
    def line(aa, ab, bb):
        den = aa + bb - 2 * ab
        return 0.5 if den <= 1e-20 else min(1.0, max(0.0, (bb - ab) / den))

    best = (np.inf, 0, 1, 0.5)
    for i in range(T):
        for j in range(i + 1, T):
            g = line(M[i, i], M[i, j], M[j, j])
            cost = g * g * M[i, i] + 2 * g * (1 - g) * M[i, j] + (1 - g) ** 2 * M[j, j]
            if cost < best[0]:
                best = (cost, i, j, g)
    a = np.zeros(T)
    a[best[1]], a[best[2]] = best[3], 1 - best[3]
    for _ in range(max_iter):
        Ma = M @ a
        t = int(np.argmin(Ma))
        g = line(a @ Ma, Ma[t], M[t, t])
        nxt = g * a
        nxt[t] += 1 - g
        change = np.abs(nxt - a).sum()
        a = nxt
        if change < tol:
            break
    return a


def cagrad_alpha(M, c=0.5):
    from scipy.optimize import minimize

    b = np.full(T, 1 / T)
    g0 = b @ M @ b
    sqrt_phi = c * np.sqrt(max(g0, 0))
    if sqrt_phi == 0 or g0 <= 1e-30:
        return b
    Mb = M @ b
    obj = lambda w: w @ Mb + sqrt_phi * np.sqrt(max(w @ M @ w, 1e-30))
    cons = {"type": "eq", "fun": lambda w: 1 - w.sum()}
    w = minimize(obj, b, bounds=[(0, 1)] * T, constraints=cons).x
    gw = np.sqrt(max(w @ M @ w, 1e-30))
    return (b + sqrt_phi / gw * w) / (1 + c * c)


class GradNorm:
    def __init__(self, alpha=1.5, lr=0.025):
        self.alpha, self.lr, self.lam = alpha, lr, np.ones(T)
        self.initial, self.m, self.v, self.step = None, np.zeros(T), np.zeros(T), 0

    def __call__(self, last_gram, losses):
        used = self.lam.copy()
        if self.initial is None:
            self.initial = np.maximum(losses, 1e-12)
        norms = np.sqrt(np.maximum(np.diag(last_gram), 0))
        G = norms * used
        r = losses / self.initial
        target = G.mean() * (r / r.mean()) ** self.alpha
        self.step += 1
        g = norms * np.sign(G - target)
        self.m = 0.9 * self.m + 0.1 * g
        self.v = 0.999 * self.v + 0.001 * g * g
        mh, vh = self.m / (1 - 0.9**self.step), self.v / (1 - 0.999**self.step)
        lam = np.maximum(self.lam - self.lr * mh / (np.sqrt(vh) + 1e-8), 1e-4)
        self.lam = T * lam / lam.sum()
        return used, used


def pcgrad_alpha(M, rng):
    C = np.eye(T)
    for i in range(T):
        others = [j for j in range(T) if j != i]
        rng.shuffle(others)
        for j in others:
            gij = C[i] @ M[:, j]
            if gij < 0 and M[j, j] > 0:
                C[i, j] -= gij / M[j, j]
    return C.sum(axis=0)


def mse(out, y):
    return torch.mean((out.squeeze(1) - y) ** 2)


def train(method, seed, report):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x, ys = data["train"]
    n = x.shape[0]
    if method == "single-task":
        nets = [torch.nn.Sequential(*trunk_of([d, *hidden]), dense(hidden[-1], 1)) for _ in range(T)]
        params = [p for net in nets for p in net.parameters()]
        forward = lambda xb: [net(xb) for net in nets]
        shared, heads, last = [], [list(net.parameters()) for net in nets], []
    else:
        trunk = trunk_of([d, *hidden])
        head_nets = [dense(hidden[-1], 1) for _ in range(T)]
        shared = list(trunk.parameters())
        last = list(trunk[-2].parameters())  # the last shared layer (before its relu)
        heads = [list(h.parameters()) for h in head_nets]
        params = shared + [p for h in heads for p in h]
        forward = lambda xb: [h(z) for z in [trunk(xb)] for h in head_nets]
    s = None
    if method == "uncertainty":
        s = torch.full((T,), -0.5, requires_grad=True)
        params.append(s)
    opt = torch.optim.Adam(params, lr=train_cfg["learningRate"], eps=1e-7)
    gradnorm = GradNorm() if method == "gradnorm" else None
    dwa_w, history = np.ones(T), []
    batch = min(train_cfg["batchSize"], n)

    def evaluate(name):
        xs, yv = data[name]
        with torch.no_grad():
            return [mse(o, y).item() for o, y in zip(forward(xs), yv)]

    for epoch in range(train_cfg["epochs"]):
        order = torch.from_numpy(rng.permutation(n))
        sums, steps = np.zeros(T), 0
        for k in range(0, n, batch):
            rows = order[k : k + batch]
            xb = x[rows]
            losses = [mse(o, y[rows]) for o, y in zip(forward(xb), ys)]
            lv = np.array([loss.item() for loss in losses])
            sums += lv
            steps += 1
            opt.zero_grad()
            if method in ("gradnorm", "pcgrad", "mgda", "cagrad"):
                grads = [torch.autograd.grad(losses[i], shared + heads[i], retain_graph=i < T - 1) for i in range(T)]
                flat = torch.stack([torch.cat([g.reshape(-1) for g in gs[: len(shared)]]) for gs in grads])
                gram = (flat @ flat.T).double().numpy()
                head_w = np.ones(T)
                if method == "gradnorm":
                    lf = torch.stack([torch.cat([g.reshape(-1) for g in gs[len(shared) - len(last) : len(shared)]]) for gs in grads])
                    alpha, head_w = gradnorm((lf @ lf.T).double().numpy(), lv)
                elif method == "pcgrad":
                    alpha = pcgrad_alpha(gram, rng)
                elif method == "mgda":
                    alpha = min_norm_simplex(gram)
                else:
                    alpha = cagrad_alpha(gram)
                for j, p in enumerate(shared):
                    p.grad = sum(float(alpha[i]) * grads[i][j] for i in range(T))
                for i in range(T):
                    for p, g in zip(heads[i], grads[i][len(shared) :]):
                        p.grad = float(head_w[i]) * g
            else:
                if method == "uncertainty":
                    total = torch.sum(0.5 * torch.exp(-s) * torch.stack(losses) + 0.5 * s)
                else:
                    total = sum(float(w) * loss for w, loss in zip(dwa_w, losses))
                total.backward()
            opt.step()
        if method == "dwa":
            history.append(sums / steps)
            if len(history) >= 2:
                w = history[-1] / np.maximum(history[-2], 1e-12)
                e = np.exp(w / 2)
                dwa_w = T * e / e.sum()
        report(float(np.mean(evaluate("val"))), epoch)
    return float(np.mean(evaluate("val"))), float(np.mean(evaluate("test")))


def objective(trial):
    method = trial.suggest_categorical("method", spec["methods"])
    seed = trial.suggest_categorical("seed", spec["seeds"])
    val, test = train(method, seed, trial.report)
    trial.set_user_attr("test_mse", test)
    return val


optuna.logging.set_verbosity(optuna.logging.WARNING)
start = time.perf_counter()
grid = {"method": spec["methods"], "seed": spec["seeds"]}
study = optuna.create_study(
    study_name="quickstart",
    storage=f"sqlite:///{db_path}",
    sampler=optuna.samplers.GridSampler(grid, seed=0),
    direction="minimize",
)
total = len(spec["methods"]) * len(spec["seeds"])
study.optimize(objective, n_trials=total, n_jobs=n_jobs)
wall = time.perf_counter() - start
done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
print(
    json.dumps(
        {
            "seconds": wall,
            "trials": len(done),
            "distinct": len({(t.params["method"], t.params["seed"]) for t in done}),
            "val_mse": float(np.mean([t.value for t in done])),
            "test_mse": float(np.mean([t.user_attrs["test_mse"] for t in done])),
        }
    )
)
