import numpy as np
import scipy.sparse as sp

from analytics.personas.features import BEHAVIOUR_COLUMNS, ViewerArrays
from analytics.personas.profiles import build_profiles, persona_label


def engagement(**ratios):
    return {name: {"value": 1.0, "population": 1.0, "ratio": ratios.get(name, 1.0)} for name in BEHAVIOUR_COLUMNS}


def demo(value, share, population_share):
    return [{"value": value, "share": share, "population_share": population_share, "lift": None,
             "dominant": share > population_share}]


def test_label_joins_dominant_demographics_top_tags_and_behaviour():
    profile = {
        "demographics": {"gender": demo("female", 0.8, 0.5), "age_band": demo("18-24", 0.7, 0.3),
                         "region": demo("Guangdong", 0.6, 0.2), "platform": []},
        "top_tags": [{"tag": "beauty", "lift": 3.0}, {"tag": "skincare", "lift": 2.0}, {"tag": "diet", "lift": 1.9}],
        "engagement": engagement(completion_rate=2.0, purchase_value=3.0, like_rate=1.1),
    }
    assert persona_label(profile) == "Women 18–24 in Guangdong · beauty, skincare · buy and finish videos"


def test_label_names_a_second_region_that_also_stands_out():
    profile = {
        "demographics": {"gender": demo("female", 0.8, 0.5), "age_band": demo("41-50", 0.7, 0.1),
                         "region": demo("Jiangsu", 0.52, 0.1) + demo("Zhejiang", 0.4, 0.08) + demo("Hubei", 0.3, 0.3),
                         "platform": []},
        "top_tags": [], "engagement": engagement(),
    }
    assert persona_label(profile) == "Women 41–50 in Jiangsu and Zhejiang · broad interests · average engagement"


def test_label_without_dominant_traits_says_so():
    profile = {"demographics": {"gender": demo("female", 0.5, 0.5)}, "top_tags": [],
               "engagement": engagement(activity=0.5)}
    assert persona_label(profile) == "Mixed audience · broad interests · occasional viewers"


def arrays(n_a: int, n_b: int) -> ViewerArrays:
    n = n_a + n_b
    # Gender: persona 0 is 25 female + n_a-25 male; region 'rare' is held by only 3 of persona 0.
    gender = np.array([0] * 25 + [1] * (n_a - 25) + [1] * n_b)
    region = np.array([1] * 3 + [0] * (n - 3))
    tags = sp.csr_matrix(np.column_stack([np.r_[np.ones(n_a), np.zeros(n_b)], np.ones(n)]))
    return ViewerArrays(
        viewer_ids=np.arange(n), demographics=np.column_stack([gender, -np.ones(n, int), region, np.zeros(n, int)]),
        demographic_vocab=[["female", "male"], [], ["common", "rare"], ["douyin"]],
        behaviour=np.ones((n, len(BEHAVIOUR_COLUMNS))), tag_weights=tags, tag_vocab=["beauty", "music"],
        platform_mix=np.ones((n, 1)), platform_vocab=["douyin"])


def test_profile_reports_only_groups_of_at_least_min_size():
    data = arrays(40, 60)
    labels = np.array([0] * 40 + [1] * 60)
    profile = build_profiles(data=data, labels=labels, k=2, tag_tfidf=data.tag_weights, min_size=20)[0].profile
    # female 25/40, male 15/40 (< 20: not shown); region 'rare' 3/40 not shown; age unknown for all.
    assert (profile["demographics"]["gender"], profile["demographics"]["age_band"],
            [r["value"] for r in profile["demographics"]["region"]]) == (
        [{"value": "female", "share": 0.625, "population_share": 0.25, "lift": 2.5, "dominant": True}], [],
        ["common"])


def test_top_tags_have_lift_over_the_population():
    data = arrays(40, 60)
    profiles = build_profiles(data=data, labels=np.array([0] * 40 + [1] * 60), k=2, tag_tfidf=data.tag_weights,
                              min_size=20)
    # Persona 0 puts half its engagement on beauty, the population 40 / 140 of it: lift 0.5 / (2/7) = 1.75.
    # music: below the population's share in persona 0 (lift 0.7, not shown); all of persona 1's: 1 / (5/7) = 1.4.
    assert (profiles[0].profile["top_tags"], profiles[1].profile["top_tags"]) == (
        [{"tag": "beauty", "share": 1.0, "population_share": 0.4, "engagement_share": 0.5,
          "population_engagement_share": 0.2857, "lift": 1.75}],
        [{"tag": "music", "share": 1.0, "population_share": 1.0, "engagement_share": 1.0,
          "population_engagement_share": 0.7143, "lift": 1.4}])


def test_sizes_and_shares():
    data = arrays(40, 60)
    profiles = build_profiles(data=data, labels=np.array([0] * 40 + [1] * 60), k=2, tag_tfidf=data.tag_weights,
                              min_size=20)
    assert [(p.size, p.share) for p in profiles] == [(40, 0.4), (60, 0.6)]
