"""A PyTorch hard-sharing network on scikit-learn's bundled digits, as a program MTL Lab sweeps.

Three tasks on the same 8×8 images: `digit` (10 classes), `parity` (even/odd) and `ge5` (≥ 5).
One shared trunk (64 → hidden → hidden, ReLU) and one linear head per task, trained on
Σ λ_t · L_t with the trial's task weights λ (equal when the sweep sets none). The strategy
"single-task" trains one independent network per task instead: the baseline of Δm%.
Runs on CUDA when PyTorch finds a GPU, else on the CPU. `python3 train.py` trains one default trial.
"""

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

import mtl_report as mtl

t = mtl.trial()
seed = int(t["seed"])
params = t.get("params", {})
epochs = int(t["epochs"])
lr = float(params.get("learningRate", 3e-3))
hidden = int(params.get("hidden", 64))
tasks = [x["name"] for x in t["tasks"]] or ["digit", "parity", "ge5"]
weights = t.get("weights") or {}
single = t["strategy"] == "single-task"
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.manual_seed(seed)
torch.set_num_threads(1)  # one trial per core: MTL Lab runs trials side by side

digits = load_digits()
X = (digits.data / 16.0).astype(np.float32)
labels = {"digit": digits.target, "parity": digits.target % 2, "ge5": (digits.target >= 5).astype(int)}
classes = {"digit": 10, "parity": 2, "ge5": 2}
# Little data per task, as in the papers' toy examples: 300 training images.
idx_rest, idx_test = train_test_split(np.arange(len(X)), test_size=0.3, random_state=0)
idx_train, idx_val = train_test_split(idx_rest, train_size=300, random_state=0)
split_idx = {"train": idx_train, "val": idx_val, "test": idx_test}
Xs = {s: torch.tensor(X[i], device=device) for s, i in split_idx.items()}
Ys = {s: {k: torch.tensor(labels[k][i], device=device) for k in tasks} for s, i in split_idx.items()}


def trunk():
    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())


class HardSharing(nn.Module):
    def __init__(self, names):
        super().__init__()
        self.trunk = trunk()
        self.heads = nn.ModuleDict({k: nn.Linear(hidden, classes[k]) for k in names})

    def forward(self, x):
        z = self.trunk(x)
        return {k: h(z) for k, h in self.heads.items()}


# Single-task: one whole network per task; multi-task: one network, every head.
models = [HardSharing([k]) for k in tasks] if single else [HardSharing(tasks)]
models = [m.to(device) for m in models]
optims = [torch.optim.Adam(m.parameters(), lr=lr) for m in models]
loss_fn = nn.CrossEntropyLoss()


def outputs(x):
    out = {}
    for m in models:
        out.update(m(x))
    return out


gen = torch.Generator().manual_seed(seed)
for epoch in range(1, epochs + 1):
    for m in models:
        m.train()
    order = torch.randperm(len(idx_train), generator=gen).to(device)
    sums = {k: 0.0 for k in tasks}
    batches = 0
    for start in range(0, len(order), 32):
        b = order[start:start + 32]
        out = outputs(Xs["train"][b])
        losses = {k: loss_fn(out[k], Ys["train"][k][b]) for k in tasks}
        total = sum((1.0 if single else float(weights.get(k, 1.0))) * losses[k] for k in tasks)
        for o in optims:
            o.zero_grad()
        total.backward()
        for o in optims:
            o.step()
        for k in tasks:
            sums[k] += float(losses[k])
        batches += 1
    metrics = {k: {"train": {"loss": sums[k] / batches}} for k in tasks}
    with torch.no_grad():
        for m in models:
            m.eval()
        for split in ("val", "test"):
            out = outputs(Xs[split])
            for k in tasks:
                y = Ys[split][k]
                metrics[k][split] = {"accuracy": float((out[k].argmax(1) == y).float().mean()),
                                     "loss": float(loss_fn(out[k], y))}
    mtl.report(epoch, metrics, weights={k: float(weights.get(k, 1.0)) for k in tasks})
