"""Stateful: three registries on one lock directory agree with a model of who holds what."""

from __future__ import annotations

import tempfile

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from hft.adapters.wal.claims import Claim, FileClaimRegistry

SEGMENTS = ("s1", "s2", "s3")
HOLDERS = (0, 1, 2)


class ClaimsMachine(RuleBasedStateMachine):
    """Each registry is a separate open file description, as two processes would be."""

    def __init__(self) -> None:
        super().__init__()
        self._dir = tempfile.TemporaryDirectory(prefix="hft-claims-")
        self.registries = [FileClaimRegistry(self._dir.name) for _ in HOLDERS]
        self.claims: dict[str, tuple[int, Claim]] = {}

    @rule(holder=st.sampled_from(HOLDERS), segment=st.sampled_from(SEGMENTS))
    def claim(self, holder: int, segment: str) -> None:
        got = self.registries[holder].try_claim(segment)
        if segment in self.claims:
            assert got is None
        else:
            assert got is not None
            assert got.segment_id == segment
            self.claims[segment] = (holder, got)

    @precondition(lambda self: bool(self.claims))
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        segment = data.draw(st.sampled_from(sorted(self.claims)))
        holder, claim = self.claims.pop(segment)
        self.registries[holder].release(claim)

    @rule(holder=st.sampled_from(HOLDERS))
    def restart_holder(self, holder: int) -> None:
        """A holder closing (or dying) frees all it held and comes back empty."""
        self.registries[holder].close()
        self.registries[holder] = FileClaimRegistry(self._dir.name)
        self.claims = {s: hc for s, hc in self.claims.items() if hc[0] != holder}

    @invariant()
    def each_registry_holds_what_the_model_says(self) -> None:
        for holder, registry in enumerate(self.registries):
            expected = {s for s, (h, _) in self.claims.items() if h == holder}
            assert registry.held() == expected

    @invariant()
    def others_see_held_segments_as_taken(self) -> None:
        for segment, (holder, _) in self.claims.items():
            other = self.registries[(holder + 1) % len(HOLDERS)]
            assert other.is_claimed_elsewhere(segment) is True

    def teardown(self) -> None:
        for registry in self.registries:
            registry.close()
        self._dir.cleanup()


TestClaimsStateful = ClaimsMachine.TestCase
