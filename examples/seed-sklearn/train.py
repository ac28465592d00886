"""The seed document's scikit-learn comparison as a program MTL Lab sweeps.

Logistic regression against a small MLP on one synthetic binary task
(make_classification(n_samples=1000, n_features=20, n_informative=2, n_redundant=10,
n_classes=2, n_clusters_per_class=1, flip_y=0.05)). The trial's strategy names the model
("logistic" or "mlp"); its options ("logistic.C", "mlp.hidden", "mlp.alpha") come from the sweep.
Run by hand: `python3 train.py` trains one default trial.
"""

import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

import mtl_report as mtl

warnings.filterwarnings("ignore", category=ConvergenceWarning)

t = mtl.trial()
seed = int(t["seed"])
options = t.get("strategyOptions", {})
task = t["tasks"][0]["name"] if t["tasks"] else "y"

# The data are the same for every trial (data seed 0); the trial seed varies the model.
X, y = make_classification(n_samples=1000, n_features=20, n_informative=2, n_redundant=10,
                           n_classes=2, n_clusters_per_class=1, flip_y=0.05, random_state=0)
X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_size=0.25, random_state=0,
                                                  stratify=y_rest)
scaler = StandardScaler().fit(X_train)
X_train, X_val, X_test = (scaler.transform(a) for a in (X_train, X_val, X_test))


def scores(model):
    out = {}
    for split, (Xs, ys) in {"train": (X_train, y_train), "val": (X_val, y_val),
                            "test": (X_test, y_test)}.items():
        p = model.predict_proba(Xs)
        out[split] = {"accuracy": accuracy_score(ys, p.argmax(1)), "loss": log_loss(ys, p)}
    return {task: out}


if t["strategy"] == "mlp":
    model = MLPClassifier(hidden_layer_sizes=(int(options.get("hidden", 32)),),
                          alpha=float(options.get("alpha", 1e-4)), random_state=seed,
                          learning_rate_init=1e-3)
    rng = np.random.default_rng(seed)
    for epoch in range(1, int(t["epochs"]) + 1):
        order = rng.permutation(len(X_train))
        for start in range(0, len(order), 32):
            batch = order[start:start + 32]
            model.partial_fit(X_train[batch], y_train[batch], classes=[0, 1])
        mtl.report(epoch, scores(model))
else:
    model = LogisticRegression(C=float(options.get("C", 1.0)), max_iter=1000, random_state=seed)
    model.fit(X_train, y_train)
    mtl.report(1, scores(model))
