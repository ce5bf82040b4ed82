"""The contract's closed lists and the domain's say the same thing (they cannot import each
other: contracts stand alone and the domain knows nothing of HTTP)."""

from __future__ import annotations

from enum import StrEnum

import pytest

from contracts import vocabulary as v
from domain import values as d

PAIRS: list[tuple[tuple[str, ...], type[StrEnum]]] = [
    (v.AREAS_OF_NEED, d.AreaOfNeed),
    (v.PARTICIPANT_ROLES, d.Role),
    (v.SETTING_PHASES, d.Phase),
    (v.STAGES, d.Stage),
    (v.VIEW_OWNERS, d.ViewHolder),
    (v.PROVISION_KINDS, d.ProvisionKind),
    (v.AGREEMENT_METHODS, d.AgreementMethod),
    (v.PROGRESS_RATINGS, d.ProgressRating),
    (v.REVIEW_DECISIONS, d.ReviewDecision),
    (v.CLOSURE_REASONS, d.ClosureReason),
    (v.PLAN_STATUSES, d.PlanStatus),
    (v.NEED_STATUSES, d.NeedStatus),
    (v.OUTCOME_STATUSES, d.OutcomeStatus),
    (v.PROVISION_STATUSES, d.ProvisionStatus),
]


@pytest.mark.parametrize(("contract", "domain"), PAIRS, ids=[e.__name__ for _, e in PAIRS])
def test_contract_vocabulary_matches_the_domain(
    contract: tuple[str, ...], domain: type[StrEnum]
) -> None:
    assert list(contract) == [member.value for member in domain]
