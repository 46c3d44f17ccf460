"""Shared test set-up: bounded hypothesis profiles so `make test` stays fast."""
import os

from hypothesis import HealthCheck, settings

# default: the same 40 examples every run, so CI is reproducible; "thorough"
# explores 500 fresh random examples per property (HYPOTHESIS_PROFILE=thorough).
settings.register_profile("default", max_examples=40, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=500, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


# -- fuzz case counts: `make test` prints how many cases each fuzz test tried ------
import collections  # noqa: E402

import pytest  # noqa: E402

FUZZ_CASES: collections.Counter = collections.Counter()


@pytest.fixture(scope="session")
def fuzz_cases() -> collections.Counter:
    """A Counter that fuzz tests bump once per generated case (by test name)."""
    return FUZZ_CASES


def pytest_terminal_summary(terminalreporter):
    if FUZZ_CASES:
        terminalreporter.section("fuzz cases tried")
        for name, n in sorted(FUZZ_CASES.items()):
            terminalreporter.write_line(f"{name}: {n} cases")
