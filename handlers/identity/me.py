"""The signed-in resident: profile, real-name verification, phone binding, closing the account."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aiohttp import web
from pydantic import Field, model_validator

from models.identity.residents import IdType, Language, Resident
from palm import keys
from palm.api import Api, ApiModel
from services.identity import realname as identity
from services.identity import residents
from services.identity.auth import Principal

api = Api("auth")


class Profile(ApiModel):
    id: str
    name: str | None = Field(description="Masked, e.g. 张*三")
    phone: str | None = Field(description="Masked, e.g. 138****5678")
    verified: bool
    verified_at: datetime | None
    id_type: str | None
    birth_date: date | None
    language: Language | None = Field(
        description="What notifications, the bot and errors use; null: the phone's language"
    )
    roles: list[str]
    services: dict[str, bool] = Field(description="Which services this account can use now")


def profile_of(request: web.Request, resident: Resident, principal: Principal) -> Profile:
    return _profile(residents.profile_view(resident, request.app[keys.DEPS].cipher), principal)


def _profile(view: residents.ProfileView, principal: Principal) -> Profile:
    return Profile(
        id=view.id, name=view.name, phone=view.phone, verified=view.verified,
        verified_at=view.verified_at, id_type=view.id_type, birth_date=view.birth_date,
        language=view.language, services=dict(view.services),
        roles=sorted(role for role in principal.roles if ":" not in role),
    )  # fmt: skip


class ProfileIn(ApiModel):
    language: Language | None = Field(description="zh or en; null to follow the phone")


class RealNameIn(ApiModel):
    name: str = Field(min_length=1, max_length=60)
    id_number: str = Field(min_length=5, max_length=24)
    id_type: IdType = IdType.ID_CARD
    nationality: str | None = Field(
        default=None, pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3; foreigners only"
    )

    @model_validator(mode="after")
    def _foreigners_give_nationality(self) -> RealNameIn:
        if self.id_type != IdType.ID_CARD and self.nationality is None:
            raise ValueError("nationality is required for a passport or permanent residence card")
        return self


class PhoneIn(ApiModel):
    code: str | None = Field(default=None, max_length=128, description="getPhoneNumber code")
    encrypted_data: str | None = Field(default=None, max_length=4096, description="legacy")
    iv: str | None = Field(default=None, max_length=64, description="legacy")

    @model_validator(mode="after")
    def _one_way(self) -> PhoneIn:
        legacy = self.encrypted_data is not None and self.iv is not None
        if (self.code is None) == (not legacy) or (self.code and self.encrypted_data):
            raise ValueError("send either code, or encrypted_data with iv")
        return self


async def _me(request: web.Request) -> Resident:
    return await residents.get_active(request[keys.PRINCIPAL].resident_id)


@api.get("/api/v1/me", response=Profile)
async def me(request: web.Request) -> Profile:
    """The signed-in resident's profile, personal fields masked."""
    principal, deps = request[keys.PRINCIPAL], request.app[keys.DEPS]
    return _profile(
        await residents.profile(deps.sessions, deps.cipher, principal.resident_id), principal
    )


@api.patch("/api/v1/me", body=ProfileIn, response=Profile)
async def update_me(request: web.Request, body: ProfileIn) -> Profile:
    """Change the profile's settings: the language notifications, the bot and errors use."""
    resident = await residents.set_language(
        await _me(request), body.language, request.app[keys.DEPS].sessions
    )
    return profile_of(request, resident, request[keys.PRINCIPAL])


@api.post(
    "/api/v1/me/real-name", body=RealNameIn, response=Profile, rate="real_name", errors=(409,)
)
async def verify_real_name(request: web.Request, body: RealNameIn) -> Profile:
    """Verify the real name once (checked with 爱山东); one document binds one account."""
    app = request.app
    resident = await identity.verify_real_name(
        await _me(request),
        name=body.name.strip(),
        id_type=body.id_type,
        id_number=body.id_number,
        nationality=body.nationality,
        checker=app[keys.DEPS].aishandong,
        cipher=app[keys.DEPS].cipher,
        today=datetime.now(UTC).date(),
    )
    await app[keys.DEPS].sessions.resident_changed(resident.id)
    return profile_of(request, resident, request[keys.PRINCIPAL])


@api.post("/api/v1/me/phone", body=PhoneIn, response=Profile)
async def bind_phone(request: web.Request, body: PhoneIn) -> Profile:
    """Bind the phone number WeChat confirms (one-time code, or the legacy encrypted data)."""
    app, resident = request.app, await _me(request)
    if body.code is not None:
        resident = await identity.bind_phone_by_code(
            resident, body.code, tokens=app[keys.DEPS].wechat_tokens, wechat=app[keys.DEPS].wechat,
            cipher=app[keys.DEPS].cipher,
        )  # fmt: skip
    else:
        resident = await identity.bind_phone_by_encrypted_data(
            resident, body.encrypted_data or "", body.iv or "",
            app_id=app[keys.PLATFORMS]["wechat"].app_id, cipher=app[keys.DEPS].cipher,
        )  # fmt: skip
    await app[keys.DEPS].sessions.resident_changed(resident.id)
    return profile_of(request, resident, request[keys.PRINCIPAL])


@api.delete("/api/v1/me", status=204)
async def close_account(request: web.Request) -> None:
    """Close the account: personal data is erased and every session ends."""
    await residents.close(await _me(request), request.app[keys.DEPS].sessions)
