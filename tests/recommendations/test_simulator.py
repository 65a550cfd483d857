"""Experiments proven without real traffic: generated worlds, held-out interactions replayed as responses."""

import numpy as np
import pytest
from scipy import stats

from recommendations import experiment_stats as st
from recommendations import simulator as sim


@pytest.fixture(scope="module")
def world():
    return sim.make_world(seed=11, n_viewers=2000, n_videos=120)


def design(world, control):
    baseline = float(sim.engaged(world, control).mean())
    return st.required_sample_size(kind=st.RATE, baseline=baseline, mde=0.1)


@pytest.mark.parametrize("control_noise, candidate_noise, expected", [
    (3.0, 1.0, st.CANDIDATE_BETTER),  # the candidate sees the true tastes through less noise
    (1.0, 3.0, st.CANDIDATE_WORSE),
])
def test_a_truly_different_candidate_gets_the_right_verdict_within_the_designed_sample(
        world, control_noise, candidate_noise, expected):
    control = sim.version_scores(world, noise=control_noise, seed=1)
    candidate = sim.version_scores(world, noise=candidate_noise, seed=2)
    true_effect = sim.engaged(world, candidate).mean() - sim.engaged(world, control).mean()
    assert abs(true_effect) > 0.1  # planted: larger than the MDE the design detects with 80 % power
    required = design(world, control)
    result = sim.run_experiment(world, control=control, candidate=candidate, traffic_share=0.5, required=required,
                                seed=3)
    assert result.verdict == expected
    # Bounded: both arms reach `required` with a 50 % split well within 2.4 x required viewers.
    assert 2 * required <= result.viewers_used <= 2.4 * required
    assert result.comparison.ci_low < true_effect < result.comparison.ci_high


def test_looking_before_the_sample_is_reached_gives_no_verdict(world):
    control = sim.version_scores(world, noise=3.0, seed=1)
    candidate = sim.version_scores(world, noise=1.0, seed=2)
    result = sim.run_experiment(world, control=control, candidate=candidate, traffic_share=0.5,
                                required=world.affinity.shape[0], seed=3)  # more than the world holds
    assert result.verdict == st.NOT_ENOUGH_DATA


def test_an_aa_experiment_declares_a_winner_no_more_often_than_alpha_allows():
    winners = sim.aa_winners(seeds=range(400))
    bound = stats.binom.ppf(0.99, 400, 0.05)  # 31: the binomial 99 % upper bound for alpha 0.05
    assert winners <= bound
    assert winners > 0  # the test is live: with 400 seeds some false positives are expected


def test_the_vectorised_test_agrees_with_the_single_comparison():
    rng = np.random.default_rng(5)
    control, candidate = (rng.random(300) < 0.3).astype(float), (rng.random(280) < 0.38).astype(float)
    one = st.compare(kind=st.RATE, control=control, candidate=candidate)
    significant, effect = st.rates_significant(
        x_control=np.array([control.sum()]), n_control=np.array([300.0]),
        x_candidate=np.array([candidate.sum()]), n_candidate=np.array([280.0]))
    assert (bool(significant[0]), float(effect[0])) == (one.p_value < 0.05, pytest.approx(one.effect))
