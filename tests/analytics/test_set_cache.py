"""The process's cache of deserialized viewer sets: bounded by bytes, least recently used out first."""

import threading

from pyroaring import BitMap

from analytics.set_cache import SetCache


def test_keeps_sets_within_the_byte_bound_dropping_the_least_recently_used():
    cache = SetCache(max_bytes=100)
    for key in "abc":
        cache.put(key, BitMap([ord(key)]), 40)  # 120 bytes asked: "a" goes
    assert (sorted(cache.get_many("abc")), cache.bytes) == (["b", "c"], 80)
    cache.get_many("b")  # "b" is now the most recent: "c" goes next
    cache.put("d", BitMap([4]), 40)
    assert sorted(cache.get_many("abcd")) == ["b", "d"] and cache.bytes == 80


def test_a_set_larger_than_the_bound_is_not_kept_and_a_key_is_counted_once():
    cache = SetCache(max_bytes=100)
    cache.put("big", BitMap(range(10)), 101)
    cache.put("x", BitMap([1]), 30)
    cache.put("x", BitMap([1, 2]), 50)
    assert (list(cache.get_many(["big", "x"]).items()), cache.bytes, len(cache)) == ([("x", BitMap([1, 2]))], 50, 1)


def test_concurrent_puts_keep_the_accounting_exact():
    cache = SetCache(max_bytes=10_000)

    def fill(offset):
        for i in range(2_000):
            cache.put((offset, i % 300), BitMap([i]), 7)

    threads = [threading.Thread(target=fill, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.bytes == 7 * len(cache) <= 10_000
