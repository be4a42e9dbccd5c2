"""Acting for family: a child shows an elderly parent's credit code, follows and pays for it."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from models.credit.waivers import CreditPayment, CreditWaiverEvent, EventKind
from tests.credit.support import grant, headers, messages_to, resident_of
from tests.helpers import problem, sim

CREDIT = "/api/v1/credit"


async def _family(client: TestClient, persona: str) -> dict[str, str]:
    """The persona's active delegations by relation (the seeded parent acts for two)."""
    resp = await client.get("/api/v1/delegations", headers=await headers(client, persona))
    held = (await resp.json())["acting_for"]
    return {d["relation"]: d["id"] for d in held if d["status"] == "active"}


async def _get(client: TestClient, who: dict[str, str], path: str, member: str) -> Any:
    resp = await client.get(CREDIT + path, params={"member": member}, headers=who)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_a_child_is_admitted_for_a_parent_and_pays_the_bill(client: TestClient) -> None:
    child, cashier = await headers(client, "parent"), await headers(client, "cashier")
    mother = (await _family(client, "parent"))["parent"]
    text = (await _get(client, child, "/code", mother))["text"]
    resp = await grant(client, cashier, scene="hospital-admission", amount=50_000, text=text)
    granted = await resp.json()
    assert granted["decision"] == "waived", granted
    assert granted["holder"] == "刘*英"  # the mother's name: the waiver rests on her credit
    waiver = granted["waiver_id"]
    resp = await client.post(f"/api/v1/merchant/credit/waivers/{waiver}/bill",
                             json={"amount": 86_550}, headers=cashier)  # fmt: skip
    assert resp.status == 200, await resp.text()

    listed = await _get(client, child, "/waivers", mother)
    assert [w["id"] for w in listed["items"]] == [waiver]
    assert listed["next_cursor"] is None
    one = await _get(client, child, f"/waivers/{waiver}", mother)
    assert (one["bill"]["status"], one["bill"]["amount"]) == ("due", 86_550)
    profile = await _get(client, child, "/profile", mother)
    assert [w["id"] for w in profile["active"]] == [waiver]
    assert (await _get(client, child, "/waivers", "self"))["items"] == []  # not the child's
    # the mother's own phone is told the bill is due, and sees the waiver as hers
    assert [m["template_id"] for m in await messages_to(client, "parent_mother")] == [
        "tmpl-payment-due"
    ]
    own = await _get(client, await headers(client, "parent_mother"), "/waivers", "self")
    assert [w["id"] for w in own["items"]] == [waiver]

    resp = await client.post(f"{CREDIT}/waivers/{waiver}/pay", params={"member": mother},
                             headers=child)  # fmt: skip
    assert resp.status == 200, await resp.text()
    order = await resp.json()
    assert (order["amount"], order["purpose"]) == (86_550, "bill")
    await sim(client, "wechatpay", "POST", f"/_sim/transactions/{order['out_trade_no']}/pay")
    (callback,) = await sim(client, "wechatpay", "GET", "/_sim/notifications")
    resp = await client.post(
        "/api/v1/payments/wechatpay/notify",
        data=str(callback["body"]).encode(),
        headers=callback["headers"],
    )
    assert resp.status == 204
    paid = await _get(client, child, f"/waivers/{waiver}", mother)
    assert (paid["status"], paid["bill"]["status"]) == ("closed", "paid")
    payer = (await resident_of(client, "parent")).id
    assert (await CreditPayment.get(out_trade_no=order["out_trade_no"])).payer == payer
    event = await CreditWaiverEvent.get(waiver_id=waiver, kind=EventKind.BILL_PAID)
    assert event.actor == payer  # the history says who paid: the child, from their WeChat


async def test_a_child_disputes_a_parents_default(client: TestClient) -> None:
    child, librarian = await headers(client, "parent"), await headers(client, "librarian")
    mother = (await _family(client, "parent"))["parent"]
    text = (await _get(client, child, "/code", mother))["text"]
    waiver = (await (await grant(client, librarian, amount=4000, text=text)).json())["waiver_id"]
    resp = await client.post(
        f"/api/v1/merchant/credit/waivers/{waiver}/default",
        json={"amount": 4000, "evidence": "图书未归还"},
        headers=librarian,
    )
    assert resp.status == 200, await resp.text()
    resp = await client.post(f"{CREDIT}/waivers/{waiver}/dispute", params={"member": mother},
                             json={"reason": "书已在还书箱归还"}, headers=child)  # fmt: skip
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["default"]["status"] == "disputed"
    officer = await headers(client, "officer")
    queue = await (await client.get("/api/v1/admin/credit/disputes", headers=officer)).json()
    assert [(d["waiver_id"], d["holder"]) for d in queue["items"]] == [(waiver, "刘*英")]
    # someone with no delegation from the mother cannot touch it
    stranger = await headers(client, "resident")
    resp = await client.post(f"{CREDIT}/waivers/{waiver}/pay", params={"member": mother},
                             headers=stranger)  # fmt: skip
    await problem(resp, 404, "member_not_found")
    await problem(await client.get(f"{CREDIT}/waivers/{waiver}", headers=stranger), 404,
                  "waiver_not_found")  # fmt: skip


async def test_a_young_child_has_no_credit_to_act_on(client: TestClient) -> None:
    parent = await headers(client, "parent")
    child = (await _family(client, "parent"))["child"]  # a minor with no account of her own
    for path in ("/code", "/profile", "/waivers"):
        resp = await client.get(CREDIT + path, params={"member": child}, headers=parent)
        await problem(resp, 403, "credit_member_no_account")
