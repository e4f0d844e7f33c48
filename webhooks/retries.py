"""When a failed delivery is tried again (API.md, Webhooks). Pure: no Django.

The first attempt leaves at once; after a failure the next one waits about 5 s, 5 min,
30 min, 2 h, 5 h, 10 h, then 10 h again, each delay spread by up to ±10 % so that
deliveries that failed together (a receiver's outage) do not all come back together.
After the last retry the delivery is ``failed``.
"""

from __future__ import annotations

from datetime import timedelta

RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.1


def retry_delay(attempts_made: int, *, spread: float) -> timedelta | None:
    """The wait before the next attempt after ``attempts_made`` failed ones; ``None``: give up.

    ``spread`` in [-1, 1] picks where in the ±``JITTER`` band the delay falls (random in
    production, fixed in tests).
    """
    if attempts_made < 1 or attempts_made > len(RETRY_DELAYS):
        return None
    spread = max(-1.0, min(1.0, spread))
    return RETRY_DELAYS[attempts_made - 1] * (1 + JITTER * spread)
