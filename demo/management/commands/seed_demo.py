"""Seed the deterministic synthetic demo world (a seeded database is left as it is unless --reset)."""

from django.core.management.base import BaseCommand, CommandError

from demo import world as demo

BASE_VIEWERS = 2000
BASE_VIDEOS = 300


class Command(BaseCommand):
    help = ("Seed the demo world: 3 brands, 300 videos, ~2k viewers drawn from 5 planted segments, "
            "~200k funnel interactions over 60 days ending now.")

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0,
                            help="Multiply the viewers (and so the interactions): 50 gives about 10M interactions.")
        parser.add_argument("--seed", type=int, default=42, help="numpy seed: the same seed gives the same world.")
        parser.add_argument("--days", type=int, default=60)
        parser.add_argument("--reset", action="store_true", help="Delete the demo brands and truth first.")

    def handle(self, *, scale: float, seed: int, days: int, reset: bool, **options):
        if scale <= 0 or days < 1:
            raise CommandError("--scale must be positive and --days at least 1.")
        if reset:
            demo.reset_world()
        elif demo.is_seeded():
            self.stdout.write("The demo world is already seeded; nothing changed (use --reset to rebuild it).")
            return
        summary = demo.build_world(seed=seed, viewers=int(BASE_VIEWERS * scale), videos=BASE_VIDEOS, days=days)
        kinds = ", ".join(f"{kind} {count}" for kind, count in summary.by_kind.items())
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {summary.brands} brands, {summary.videos} videos, {summary.viewers} viewers, "
            f"{summary.campaigns} campaigns and {summary.interactions} interactions in {summary.seconds:.1f}s."))
        self.stdout.write(f"  by kind: {kinds}")
