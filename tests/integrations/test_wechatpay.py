"""WeChat Pay v3 client against its simulator: signatures both ways, deductions, callbacks."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from integrations.base import Platform, PlatformUnavailable
from integrations.wechatpay import crypto
from integrations.wechatpay.client import WeChatPayClient
from integrations.wechatpay.keys import development_keys, simulator_keys
from integrations.wechatpay.models import CallbackRejected, WeChatPayError
from integrations.wechatpay.sim.server import create_simulator
from tests.integrations.conftest import RecordingObserver, Serve, Sim

WECHATPAY = Platform("wechatpay", "embedded", "1900000109", "wechatpay-test-secret", timeout=2.0)


async def _client(serve: Serve, observer: RecordingObserver) -> tuple[WeChatPayClient, Sim]:
    sim = await serve(create_simulator(WECHATPAY), WECHATPAY)
    return WeChatPayClient(sim.session, sim.platform, observer), sim


async def _deduct(
    client: WeChatPayClient, no: str, contract: str = "pap-1", total: int = 300
) -> None:
    await client.apply_deduction(
        appid="wx-app", out_trade_no=no, contract_id=contract, amount_fen=total,
        description="公交", notify_url="http://x/n",
    )  # fmt: skip


def test_development_keys_agree_and_are_deterministic() -> None:
    keys, sim = development_keys(WECHATPAY), simulator_keys(WECHATPAY)
    assert development_keys(WECHATPAY) == keys
    assert keys.derived
    assert keys.merchant_serial == sim.merchant_serial
    assert keys.api_v3_key == sim.api_v3_key
    other = development_keys(replace(WECHATPAY, secret="another"))
    assert other.merchant_private_key != keys.merchant_private_key
    assert "PRIVATE" not in repr(keys)


async def test_deduction_query_and_callback(serve: Serve, observer: RecordingObserver) -> None:
    client, sim = await _client(serve, observer)
    await _deduct(client, "RD0000000001")
    await _deduct(client, "RD0000000001")  # a retry of the same order is accepted again
    paid = await client.query("RD0000000001")
    assert paid.succeeded
    assert paid.amount.total == 300
    assert paid.transaction_id
    [callback] = await sim.get("/_sim/notifications")
    _, transaction = client.parse_callback(callback["headers"], callback["body"].encode())
    assert transaction == paid
    assert ("wechatpay", "pay.query", "ok") in observer.records


async def test_insufficient_balance_is_a_failed_payment(
    serve: Serve, observer: RecordingObserver
) -> None:
    client, sim = await _client(serve, observer)
    await sim.control("/_sim/contracts", {"contract_id": "pap-poor", "balance_fen": 100})
    await _deduct(client, "RD0000000002", contract="pap-poor")
    assert (await client.query("RD0000000002")).failed


async def test_business_errors_and_unknown_orders(
    serve: Serve, observer: RecordingObserver
) -> None:
    client, _ = await _client(serve, observer)
    with pytest.raises(WeChatPayError) as caught:
        await client.query("NO-SUCH-ORDER")
    assert caught.value.error_code == "ORDER_NOT_EXIST"
    with pytest.raises(WeChatPayError):
        await _deduct(client, "RD0000000003", total=0)


async def test_wrong_merchant_key_is_refused(serve: Serve, observer: RecordingObserver) -> None:
    sim = await serve(create_simulator(WECHATPAY), WECHATPAY)
    stranger = development_keys(replace(WECHATPAY, secret="someone-else"))
    keys = replace(development_keys(WECHATPAY), merchant_private_key=stranger.merchant_private_key)
    client = WeChatPayClient(sim.session, sim.platform, observer, keys=keys)
    with pytest.raises(PlatformUnavailable):  # 401 SIGN_ERROR
        await client.query("RD0000000001")


async def test_answers_not_signed_by_the_platform_are_refused(
    serve: Serve, observer: RecordingObserver
) -> None:
    sim = await serve(create_simulator(WECHATPAY), WECHATPAY)
    stranger = development_keys(replace(WECHATPAY, secret="someone-else"))
    keys = replace(development_keys(WECHATPAY), platform_public_key=stranger.platform_public_key)
    client = WeChatPayClient(sim.session, sim.platform, observer, keys=keys)
    with pytest.raises(PlatformUnavailable, match="does not verify"):
        await _deduct(client, "RD0000000004")


async def test_forged_stale_and_tampered_callbacks(
    serve: Serve, observer: RecordingObserver
) -> None:
    client, sim = await _client(serve, observer)
    await _deduct(client, "RD0000000005")
    forged = await sim.control("/_sim/notifications/forged", {"out_trade_no": "RD0000000005"})
    with pytest.raises(CallbackRejected, match="does not verify"):
        client.parse_callback(forged["headers"], forged["body"].encode())
    [real] = await sim.get("/_sim/notifications")
    stamp = int(real["headers"]["Wechatpay-Timestamp"])
    with pytest.raises(CallbackRejected, match="stale"):
        client.parse_callback(real["headers"], real["body"].encode(), now=stamp + 3600)
    envelope = json.loads(real["body"])
    envelope["resource"]["ciphertext"] = envelope["resource"]["ciphertext"][::-1]
    with pytest.raises(CallbackRejected):
        client.parse_callback(real["headers"], json.dumps(envelope).encode())


def test_resource_round_trip_and_tamper() -> None:
    key = "k" * 32
    resource = crypto.encrypt_resource(key, b'{"a":1}', "transaction")
    assert crypto.decrypt_resource(key, resource) == b'{"a":1}'
    with pytest.raises(ValueError, match="does not decrypt"):
        crypto.decrypt_resource(key, {**resource, "associated_data": "other"})
