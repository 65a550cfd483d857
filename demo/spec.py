"""The planted truth of the demo world: categories and their tag vocabularies, the three demo brands
and the hidden audience segments (demographics, tag affinities, engagement, platform mix).

Plain data, no Django: the generator (``demo.world``) draws everything from these.
"""

from __future__ import annotations

from dataclasses import dataclass

CATEGORIES: dict[str, tuple[str, ...]] = {
    "beauty": ("beauty", "skincare", "makeup", "tutorial", "lipstick", "serum"),
    "sports": ("sports", "running", "fitness", "sneakers", "training", "basketball"),
    "snacks": ("snacks", "food", "mukbang", "spicy", "tasting", "street-food"),
    "cooking": ("cooking", "recipe", "home", "kitchen", "family", "baking"),
    "tech": ("tech", "gadgets", "review", "unboxing", "phone", "smart-home"),
}
CATEGORY_NAMES = tuple(CATEGORIES)
GENERIC_TAGS = ("trending", "promo", "new", "live")
ALL_TAGS = tuple(sorted({t for tags in CATEGORIES.values() for t in tags} | set(GENERIC_TAGS)))

PLATFORMS = ("douyin", "kuaishou", "taobao", "wechat_channels", "tiktok")
GENDERS = ("female", "male", "other")
AGE_BANDS = ("13-17", "18-24", "25-30", "31-40", "41-50", "50+")
PROVINCES = ("Guangdong", "Shanghai", "Beijing", "Shandong", "Sichuan", "Hubei", "Jiangsu", "Zhejiang",
             "Fujian", "Henan", "Hunan", "Chongqing")
# Share of viewers whose region is drawn uniformly from PROVINCES instead of their segment's regions.
REGION_NOISE = 0.08


@dataclass(frozen=True)
class SegmentSpec:
    """One planted segment. Rates are probabilities per impression (engagement, click), per click
    (convert) and per conversion (purchase); ``watch`` is the mean watch ratio on a best-liked video;
    ``activity`` multiplies the number of impressions a viewer gets; ``basket`` is in CNY."""

    name: str
    description: str
    category: str
    secondary: str  # a second, weaker interest
    gender: tuple[float, float, float]  # over GENDERS
    age: tuple[float, ...]  # over AGE_BANDS
    regions: dict[str, float]
    platforms: tuple[float, ...]  # over PLATFORMS
    activity: float
    watch: float
    like: float
    comment: float
    share: float
    follow: float
    click: float
    convert: float
    purchase: float
    basket: float

    def tag_affinity(self) -> dict[str, float]:
        """Tag -> weight in [0, 1]: the favourite category's tags (decreasing along the vocabulary),
        the secondary category's at 0.3, generic tags at 0.05."""
        weights = {tag: 0.05 for tag in GENERIC_TAGS}
        weights.update({tag: 0.3 for tag in CATEGORIES[self.secondary]})
        weights.update({tag: round(1.0 - 0.06 * i, 2) for i, tag in enumerate(CATEGORIES[self.category])})
        return weights

    def demographics(self) -> dict:
        return {
            "gender": dict(zip(GENDERS, self.gender, strict=True)),
            "age_band": dict(zip(AGE_BANDS, self.age, strict=True)),
            "region": dict(self.regions),
            "region_noise": REGION_NOISE,
            "platform": dict(zip(PLATFORMS, self.platforms, strict=True)),
            "behaviour": {"activity": self.activity, "watch_ratio": self.watch, "like": self.like,
                          "comment": self.comment, "share": self.share, "follow": self.follow,
                          "click": self.click, "convert": self.convert, "purchase": self.purchase,
                          "basket_cny": self.basket},
        }


SEGMENTS: tuple[SegmentSpec, ...] = (
    SegmentSpec(
        "Beauty tutorial buyers", "Young women (18–24) in Guangdong and Shanghai who finish beauty tutorials and buy",
        "beauty", "snacks", (0.92, 0.06, 0.02), (0.05, 0.75, 0.15, 0.05, 0, 0),
        {"Guangdong": 0.55, "Shanghai": 0.45}, (0.5, 0.1, 0.35, 0.05, 0.0),
        activity=1.2, watch=0.92, like=0.30, comment=0.05, share=0.05, follow=0.12, click=0.30, convert=0.45,
        purchase=0.85, basket=260),
    SegmentSpec(
        "Male sports fans", "Men 25–30 in Beijing and Shandong who watch training clips and share them",
        "sports", "tech", (0.08, 0.9, 0.02), (0, 0.15, 0.7, 0.15, 0, 0),
        {"Beijing": 0.5, "Shandong": 0.5}, (0.3, 0.5, 0.05, 0.05, 0.1),
        activity=1.0, watch=0.60, like=0.15, comment=0.04, share=0.35, follow=0.20, click=0.08, convert=0.15,
        purchase=0.5, basket=420),
    SegmentSpec(
        "Snack-loving students", "Teens and students in Sichuan and Hubei who like snack videos but rarely buy",
        "snacks", "cooking", (0.5, 0.45, 0.05), (0.55, 0.45, 0, 0, 0, 0),
        {"Sichuan": 0.6, "Hubei": 0.4}, (0.4, 0.45, 0.0, 0.0, 0.15),
        activity=1.3, watch=0.45, like=0.55, comment=0.15, share=0.10, follow=0.05, click=0.05, convert=0.10,
        purchase=0.3, basket=35),
    SegmentSpec(
        "Home cooks", "Women 41–50 in Jiangsu and Zhejiang who watch recipes to the end and comment",
        "cooking", "snacks", (0.82, 0.18, 0.0), (0, 0, 0, 0.1, 0.75, 0.15),
        {"Jiangsu": 0.5, "Zhejiang": 0.5}, (0.2, 0.1, 0.2, 0.5, 0.0),
        activity=0.8, watch=0.85, like=0.08, comment=0.40, share=0.05, follow=0.05, click=0.06, convert=0.20,
        purchase=0.6, basket=150),
    SegmentSpec(
        "Gadget clickers", "Professional men 31–40 in Beijing, Guangdong and Fujian who click through tech reviews",
        "tech", "sports", (0.25, 0.75, 0.0), (0, 0, 0.2, 0.8, 0, 0),
        {"Beijing": 0.3, "Guangdong": 0.3, "Fujian": 0.4}, (0.35, 0.05, 0.4, 0.1, 0.1),
        activity=1.0, watch=0.65, like=0.10, comment=0.10, share=0.05, follow=0.05, click=0.45, convert=0.35,
        purchase=0.7, basket=1200),
)


@dataclass(frozen=True)
class BrandSpec:
    slug: str
    name: str
    category: str  # the brand's own category: 40% of its videos
    segment_mix: tuple[float, ...]  # over SEGMENTS


BRANDS: tuple[BrandSpec, ...] = (
    BrandSpec("glow-lab", "Glow Lab Beauty", "beauty", (0.3, 0.15, 0.2, 0.2, 0.15)),
    BrandSpec("stridex", "StrideX Sportswear", "sports", (0.15, 0.3, 0.2, 0.15, 0.2)),
    BrandSpec("crunch-co", "Crunch Co Snacks", "snacks", (0.15, 0.15, 0.3, 0.25, 0.15)),
)
DEMO_SLUGS = tuple(b.slug for b in BRANDS)
