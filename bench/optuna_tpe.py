#!/usr/bin/env python3
"""Optuna TPE over a finite candidate pool, driven by `hyperbo bench regret`.

Reads one JSON job per stdin line:
  {"id": ..., "candidates": [[u1..ud], ...] (unit cube), "values": [...] (to MINIMISE),
   "budget": B, "seed": S}
and writes one JSON line per job: {"id": ..., "chosen": [candidate indices in evaluation order]}.

TPE proposes a point in the unit cube; it is snapped to the nearest not-yet-evaluated candidate,
and the candidate (not the proposal) is recorded as the completed trial, so TPE learns from what
was really evaluated. This is the usual way to run a continuous sampler on a tabular benchmark.
"""
import json
import sys

import numpy as np
import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)


def run(job):
    cands = np.asarray(job["candidates"], dtype=float)
    values = np.asarray(job["values"], dtype=float)
    n, d = cands.shape
    names = [f"u{j}" for j in range(d)]
    dists = {name: optuna.distributions.FloatDistribution(0.0, 1.0) for name in names}
    sampler = optuna.samplers.TPESampler(seed=int(job["seed"]))
    study = optuna.create_study(direction="minimize", sampler=sampler)
    used = np.zeros(n, dtype=bool)
    chosen = []
    for _ in range(min(int(job["budget"]), n)):
        trial = study.ask(dists)
        proposal = np.array([trial.params[name] for name in names])
        dist2 = ((cands - proposal) ** 2).sum(axis=1)
        dist2[used] = np.inf
        idx = int(np.argmin(dist2))
        used[idx] = True
        chosen.append(idx)
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
        study.add_trial(
            optuna.trial.create_trial(
                params={name: float(cands[idx, j]) for j, name in enumerate(names)},
                distributions=dists,
                value=float(values[idx]),
            )
        )
    return chosen


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        job = json.loads(line)
        sys.stdout.write(json.dumps({"id": job["id"], "chosen": run(job)}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
