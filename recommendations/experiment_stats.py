"""Statistics of fixed-horizon A/B tests of recommenders (pure numpy/scipy; no Django).

* Sample size per arm for a two-sided test at ``alpha`` with ``power`` to detect an absolute
  difference ``mde``: for a rate with control baseline ``p``, the normal-approximation formula of
  the two-proportion test; for a mean with per-viewer standard deviation ``sd``,
  ``2 (z_{1-alpha/2} + z_{power})^2 sd^2 / mde^2``.
* Comparison: rates by the two-proportion z test (pooled variance for the p-value, unpooled for
  the confidence interval); means by Welch's t test (``scipy.stats.ttest_ind(equal_var=False)``)
  and its confidence interval.
* Verdict: ``not_enough_data`` until *both* arms hold the required sample; then candidate better /
  worse when ``p < alpha`` (by the sign of the effect), otherwise no difference. Looking earlier
  only ever answers "not enough data", so peeking does not inflate alpha.
* Guardrails are checked at every evaluation, so their threshold is stricter: a guardrail metric is
  breached when the candidate is worse with ``p < GUARDRAIL_ALPHA`` (0.001) and each arm holds at
  least ``GUARDRAIL_MIN_VIEWERS`` viewers.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

RATE, MEAN = "rate", "mean"
METRIC_KINDS = {"engaged_viewers": RATE, "converted_viewers": RATE, "ctr_per_viewer": MEAN,
                "watch_seconds_per_viewer": MEAN}
GUARDRAIL_ALPHA = 0.001
GUARDRAIL_MIN_VIEWERS = 100

NOT_ENOUGH_DATA, NO_DIFFERENCE, CANDIDATE_BETTER, CANDIDATE_WORSE = (
    "not_enough_data", "no_difference", "candidate_better", "candidate_worse")


def required_sample_size(*, kind: str, baseline: float, mde: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Viewers needed in each arm (``baseline``: control rate for rates, per-viewer sd for means)."""
    z_alpha, z_power = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    if kind == RATE:
        p1, p2 = baseline, min(baseline + mde, 1.0)
        p_bar = (p1 + p2) / 2
        root = z_alpha * math.sqrt(2 * p_bar * (1 - p_bar)) + z_power * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
        return math.ceil(root ** 2 / mde ** 2)
    return math.ceil(2 * (z_alpha + z_power) ** 2 * baseline ** 2 / mde ** 2)


@dataclass(frozen=True)
class Comparison:
    n_control: int
    n_candidate: int
    control_value: float
    candidate_value: float
    effect: float  # candidate - control, absolute
    ci_low: float
    ci_high: float
    p_value: float

    def as_dict(self) -> dict:
        # NaN (fewer than two viewers in an arm) is not JSON: null.
        return {key: (None if isinstance(value, float) and math.isnan(value) else value)
                for key, value in asdict(self).items()}


def compare(*, kind: str, control: np.ndarray, candidate: np.ndarray, alpha: float = 0.05) -> Comparison:
    """Candidate against control on per-viewer values (0/1 for rates)."""
    n1, n2 = len(control), len(candidate)
    if n1 < 2 or n2 < 2:
        m1 = float(np.mean(control)) if n1 else 0.0
        m2 = float(np.mean(candidate)) if n2 else 0.0
        return Comparison(n1, n2, m1, m2, m2 - m1, float("nan"), float("nan"), 1.0)
    m1, m2 = float(np.mean(control)), float(np.mean(candidate))
    effect = m2 - m1
    z_alpha = stats.norm.ppf(1 - alpha / 2)
    if kind == RATE:
        pooled = (m1 * n1 + m2 * n2) / (n1 + n2)
        se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        p_value = 1.0 if se_pooled == 0 else float(2 * stats.norm.sf(abs(effect) / se_pooled))
        se = math.sqrt(m1 * (1 - m1) / n1 + m2 * (1 - m2) / n2)
        return Comparison(n1, n2, m1, m2, effect, effect - z_alpha * se, effect + z_alpha * se, p_value)
    if np.var(control) == 0 and np.var(candidate) == 0:
        return Comparison(n1, n2, m1, m2, effect, effect, effect, 1.0 if effect == 0 else 0.0)
    test = stats.ttest_ind(candidate, control, equal_var=False)
    interval = test.confidence_interval(1 - alpha)
    return Comparison(n1, n2, m1, m2, effect, float(interval.low), float(interval.high), float(test.pvalue))


def verdict(comparison: Comparison, *, required: int, alpha: float = 0.05) -> str:
    if min(comparison.n_control, comparison.n_candidate) < required:
        return NOT_ENOUGH_DATA
    if comparison.p_value < alpha:
        return CANDIDATE_BETTER if comparison.effect > 0 else CANDIDATE_WORSE
    return NO_DIFFERENCE


def guardrail_breached(comparison: Comparison) -> bool:
    return (min(comparison.n_control, comparison.n_candidate) >= GUARDRAIL_MIN_VIEWERS
            and comparison.effect < 0 and comparison.p_value < GUARDRAIL_ALPHA)


def rates_significant(*, x_control: np.ndarray, n_control: np.ndarray, x_candidate: np.ndarray,
                      n_candidate: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised two-proportion z test over many experiments: (significant, effect) arrays.

    The same test as ``compare(kind=RATE)``; the simulator runs hundreds of seeds at once with it."""
    p1, p2 = x_control / n_control, x_candidate / n_candidate
    pooled = (x_control + x_candidate) / (n_control + n_candidate)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_control + 1 / n_candidate))
    with np.errstate(divide="ignore", invalid="ignore"):
        p_value = np.where(se > 0, 2 * stats.norm.sf(np.abs(p2 - p1) / se), 1.0)
    return p_value < alpha, p2 - p1
