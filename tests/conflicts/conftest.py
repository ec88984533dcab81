"""The conflict tests run on the sales work of ``world`` (tests/opportunities/conftest.py)."""

from tests.opportunities.conftest import sales  # noqa: F401 - the fixture, shared
