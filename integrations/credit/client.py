"""Client for 信用山东 (Shandong public credit platform): signed requests, typed answers."""

from __future__ import annotations

from integrations.client import SignedPlatformClient
from integrations.credit.models import (
    CreditIdentity,
    CreditRating,
    DebtorStatus,
    Feedback,
    FeedbackReceipt,
)


class CreditClient(SignedPlatformClient):
    """The 信用山东 operations our services use."""

    async def rating(self, identity: CreditIdentity) -> CreditRating:
        """公共信用评价 (POST /credit/v1/rating): the person's rating and score, if evaluated."""
        return await self.call_as(
            CreditRating, "credit.rating", "POST", "/credit/v1/rating", identity.payload()
        )

    async def dishonest(self, identity: CreditIdentity) -> DebtorStatus:
        """失信被执行人查询 (POST /credit/v1/dishonest): is the person on the list now?"""
        return await self.call_as(
            DebtorStatus, "credit.dishonest", "POST", "/credit/v1/dishonest", identity.payload()
        )

    async def feedback(self, report: Feedback) -> FeedbackReceipt:
        """信用信息反馈 (POST /credit/v1/feedback): a default or its repair, once per serial."""
        return await self.call_as(
            FeedbackReceipt, "credit.feedback", "POST", "/credit/v1/feedback", report.payload()
        )
