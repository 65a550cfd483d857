"""An experiment simulator: generated worlds, served lists, held-out interactions as the responses.

A world has viewers and videos with latent tastes; each viewer's *held-out* interactions (what
they would engage with if shown) are drawn once from the true affinity. A recommender version is a
noisy view of the true affinity (less noise: a truly better version). An arm serves each viewer
the top ``k`` of its version; the viewer's response is replayed from the held-out interactions:
the viewer engaged when a served video is one of them, and clicked as many served items as
match. The primary metric is the share of engaged viewers (a rate), tested with
``experiment_stats`` exactly as live experiments are.

Everything is numpy, vectorised over viewers (and, for the A/A check, over seeds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommendations import experiment_stats as st


@dataclass
class World:
    affinity: np.ndarray  # (viewers x videos) true taste
    held_out: np.ndarray  # (viewers x videos) bool: would engage if shown


def make_world(*, seed: int, n_viewers: int = 2000, n_videos: int = 120, dims: int = 4,
               base_rate: float = 0.01) -> World:
    """A world whose viewers engage with a video with probability ``sigmoid(logit(base_rate) + taste)``."""
    rng = np.random.default_rng(seed)
    viewers = rng.normal(size=(n_viewers, dims))
    videos = rng.normal(size=(n_videos, dims))
    affinity = viewers @ videos.T / np.sqrt(dims) * 1.5
    logit = np.log(base_rate / (1 - base_rate)) + affinity
    held_out = rng.random(affinity.shape) < 1 / (1 + np.exp(-logit))
    return World(affinity=affinity, held_out=held_out)


def version_scores(world: World, *, noise: float, seed: int) -> np.ndarray:
    """A recommender version: the true affinity seen through Gaussian noise of scale ``noise``."""
    rng = np.random.default_rng(seed)
    return world.affinity + rng.normal(scale=noise, size=world.affinity.shape)


def engaged(world: World, scores: np.ndarray, *, k: int = 10) -> np.ndarray:
    """Per viewer, 1.0 when any of the top ``k`` served videos is among their held-out interactions."""
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    return np.take_along_axis(world.held_out, top, axis=1).any(axis=1).astype(float)


@dataclass(frozen=True)
class SimulatedExperiment:
    verdict: str
    viewers_used: int  # viewers served until both arms held the required sample
    comparison: st.Comparison


def run_experiment(world: World, *, control: np.ndarray, candidate: np.ndarray, traffic_share: float,
                   required: int, seed: int, alpha: float = 0.05, k: int = 10) -> SimulatedExperiment:
    """Viewers arrive in a random order and are split; the verdict is read once both arms hold ``required``."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(world.affinity.shape[0])
    to_candidate = rng.random(len(order)) < traffic_share
    outcome_control, outcome_candidate = engaged(world, control, k=k), engaged(world, candidate, k=k)
    n_candidate = np.cumsum(to_candidate)
    n_control = np.arange(1, len(order) + 1) - n_candidate
    reached = np.flatnonzero((n_candidate >= required) & (n_control >= required))
    used = int(reached[0]) + 1 if len(reached) else len(order)
    arm = to_candidate[:used]
    comparison = st.compare(kind=st.RATE, control=outcome_control[order[:used][~arm]],
                            candidate=outcome_candidate[order[:used][arm]], alpha=alpha)
    return SimulatedExperiment(verdict=st.verdict(comparison, required=required, alpha=alpha), viewers_used=used,
                               comparison=comparison)


def aa_winners(*, seeds: range, n_viewers: int = 1000, n_videos: int = 80, k: int = 10,
               alpha: float = 0.05) -> int:
    """How many A/A experiments (the same version in both arms, one world per seed) declare a winner."""
    successes_control, n_control, successes_candidate, n_candidate = [], [], [], []
    for seed in seeds:
        world = make_world(seed=seed, n_viewers=n_viewers, n_videos=n_videos)
        outcome = engaged(world, version_scores(world, noise=1.0, seed=seed + 10_000), k=k)
        arm = np.random.default_rng(seed + 20_000).random(n_viewers) < 0.5
        successes_control.append(outcome[~arm].sum())
        n_control.append((~arm).sum())
        successes_candidate.append(outcome[arm].sum())
        n_candidate.append(arm.sum())
    significant, _ = st.rates_significant(
        x_control=np.array(successes_control, dtype=float), n_control=np.array(n_control, dtype=float),
        x_candidate=np.array(successes_candidate, dtype=float), n_candidate=np.array(n_candidate, dtype=float),
        alpha=alpha)
    return int(significant.sum())
