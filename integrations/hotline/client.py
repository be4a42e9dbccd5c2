"""Client for the 12345 hotline platform: signed requests, typed answers, signed pushes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from integrations.base import Platform
from integrations.client import SignedPlatformClient
from integrations.hotline.models import ActionReceipt, TicketProgress, TicketReceipt
from integrations.signing import APP_ID, NONCE, SIGNATURE, TIMESTAMP, verify


class HotlineClient(SignedPlatformClient):
    """The 12345 政务服务便民热线 operations our services use."""

    async def create_ticket(
        self,
        *,
        external_id: str,
        category: str,
        content: str,
        contact_phone: str | None,
        reported_at: datetime,
    ) -> TicketReceipt:
        """工单受理 (POST /hotline/v1/tickets); the same ``external_id`` gives the same ticket."""
        payload = {
            "externalId": external_id,
            "category": category,
            "content": content,
            "channel": "wechat",
            "contactConsent": contact_phone is not None,
            "reportedAt": reported_at.isoformat(),
        }
        if contact_phone is not None:
            payload["contactPhone"] = contact_phone
        path = "/hotline/v1/tickets"
        return await self.call_as(TicketReceipt, "tickets.create", "POST", path, payload)

    async def ticket_progress(self, ticket_no: str) -> TicketProgress:
        """工单进度查询 (POST /hotline/v1/tickets/query): status and every step so far."""
        path = "/hotline/v1/tickets/query"
        payload = {"ticketNo": ticket_no}
        return await self.call_as(TicketProgress, "tickets.query", "POST", path, payload)

    async def add_follow_up(self, ticket_no: str, action_id: str, content: str) -> ActionReceipt:
        """补充诉求 (POST /hotline/v1/tickets/supplement); one ``action_id``, one follow-up."""
        payload = {"ticketNo": ticket_no, "actionId": action_id, "content": content}
        path = "/hotline/v1/tickets/supplement"
        return await self.call_as(ActionReceipt, "tickets.supplement", "POST", path, payload)

    async def chase(self, ticket_no: str, action_id: str) -> ActionReceipt:
        """催办 (POST /hotline/v1/tickets/urge): only after a period without progress."""
        payload = {"ticketNo": ticket_no, "actionId": action_id}
        path = "/hotline/v1/tickets/urge"
        return await self.call_as(ActionReceipt, "tickets.urge", "POST", path, payload)

    async def evaluate(
        self, ticket_no: str, action_id: str, satisfaction: int, comment: str
    ) -> ActionReceipt:
        """评价 (POST /hotline/v1/tickets/evaluate): once, after the answer; 1 (bad) to 5."""
        payload = {
            "ticketNo": ticket_no,
            "actionId": action_id,
            "satisfaction": satisfaction,
            "comment": comment,
        }
        path = "/hotline/v1/tickets/evaluate"
        return await self.call_as(ActionReceipt, "tickets.evaluate", "POST", path, payload)


def push_is_signed(
    platform: Platform,
    headers: Mapping[str, str],
    method: str,
    path_qs: str,
    body: bytes,
    *,
    now: float,
    window_seconds: int = 300,
) -> bool:
    """Whether a push carries the platform's signature, for our app id, from within the window.

    The platform signs pushes as we sign requests (``integrations.signing``); a nonce must still
    be checked for reuse by the caller, which holds the shared store.
    """
    app_id, timestamp, nonce = (
        headers.get(APP_ID, ""),
        headers.get(TIMESTAMP, ""),
        headers.get(NONCE, ""),
    )
    signature = headers.get(SIGNATURE, "")
    if app_id != platform.app_id or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if not (16 <= len(nonce) <= 64) or abs(now - int(timestamp)) > window_seconds:
        return False
    return verify(platform.secret, app_id, timestamp, nonce, method, path_qs, body, signature)
