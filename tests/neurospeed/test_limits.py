"""The ``/hia`` packet rate limits (``neurospeed.md`` 7.6, D10) on a controlled clock, without a server."""

from __future__ import annotations

from braindock.server.neurospeed import limits
from braindock.server.neurospeed.limits import PacketRateLimiter, TokenBucket


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_accepts_its_burst_then_its_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=50.0, burst=100, clock=clock)
    assert [bucket.take() for _ in range(101)] == [True] * 100 + [False]
    clock.now += 0.1  # 5 tokens
    assert [bucket.take() for _ in range(6)] == [True] * 5 + [False]
    clock.now += 3600  # never more than the burst
    assert sum(bucket.take() for _ in range(200)) == 100


def test_streams_have_their_own_budget_within_the_connection_budget() -> None:
    clock = Clock()
    limiter = PacketRateLimiter(["EEG_A", "EEG_B"], clock=clock)
    results = [limiter.check("EEG_A") for _ in range(limits.STREAM_BURST + 1)]
    assert results[:-1] == [None] * limits.STREAM_BURST
    assert results[-1] == (
        f"rate limit: stream EEG_A sent more than {limits.STREAM_PACKETS_PER_S:g} packets/s "
        f"(burst {limits.STREAM_BURST}); packet dropped"
    )
    assert limiter.check("EEG_B") is None  # the other stream is not affected
    clock.now += 0.5  # half a second of tokens back (25 at 50/s, give or take float rounding)
    accepted = sum(limiter.check("EEG_A") is None for _ in range(50))
    assert accepted in (24, 25)


def test_the_connection_budget_covers_every_packet_and_unknown_streams_cost_no_memory() -> None:
    clock = Clock()
    limiter = PacketRateLimiter(["EEG_A"], clock=clock)
    answers = [limiter.check(name) for name in (f"invented-{i}" for i in range(limits.CONNECTION_BURST + 1))]
    assert answers[:-1] == [None] * limits.CONNECTION_BURST
    assert answers[-1] is not None and "this connection sent more than" in answers[-1]
    assert limiter.check(None) is not None and limiter.check({"not": "a string"}) is not None
    assert set(limiter.streams) == {"EEG_A"}
    clock.now += 1.0
    assert limiter.check("EEG_A") is None
