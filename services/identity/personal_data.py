"""Personal data (real name, ID-card number): sealed at rest, masked on read, unmasked reads audited."""

from __future__ import annotations

from dataclasses import dataclass

from bson import ObjectId
from bson.errors import InvalidId

from kernel import authz, context
from kernel.errors import DomainError, ErrorCode
from services.identity import audit
from services.identity.domain import id_card
from services.identity.pii import FieldCipher
from services.identity.roles import org_path_or_empty, stored_grants
from services.identity.store import Account

REAL_NAME_MAX = 64


@dataclass(frozen=True)
class PersonalDataView:
    account_id: str
    real_name: str
    id_card_number: str
    unmasked: bool


class PersonalDataVault:
    def __init__(self, cipher: FieldCipher):
        self.cipher = cipher

    def set_own(self, real_name: str, id_card_number: str) -> PersonalDataView:
        ctx = context.current()
        actor = ctx.require_actor()
        real_name = (real_name or "").strip()
        if not 1 <= len(real_name) <= REAL_NAME_MAX:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "real_name_invalid", "real_name")
        number = id_card.normalize(id_card_number)
        sealed = self.cipher.seal(number, actor.account_id)
        updated = (
            Account.in_tenant(ctx.tenant)
            .filter(id=ObjectId(actor.account_id))
            .update_one(
                set__real_name=real_name,
                set__id_card_sealed=sealed,
                set__id_card_key_id=self.cipher.key_id,
                set__id_card_masked=id_card.mask(number),
            )
        )
        if not updated:
            raise DomainError(ErrorCode.NOT_FOUND, "account_not_found")
        audit.record("personal_data.updated", target_id=actor.account_id)
        return PersonalDataView(actor.account_id, real_name, id_card.mask(number), False)

    def read(self, account_id: str, unmask: bool, reason: str) -> PersonalDataView:
        ctx = context.current()
        actor = ctx.require_actor()
        account_id = account_id or actor.account_id
        if unmask and not reason.strip():
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "reason_required", "reason")
        try:
            account = Account.in_tenant(ctx.tenant).filter(id=ObjectId(account_id)).first()
        except (InvalidId, TypeError):
            account = None
        if account_id != actor.account_id and not self._may_read(ctx.tenant, actor.account_id, account_id):
            audit.record("personal_data.read", target_id=account_id, outcome="denied", unmask=unmask)
            raise DomainError(ErrorCode.PERMISSION_DENIED)
        if account is None:
            raise DomainError(ErrorCode.NOT_FOUND, "account_not_found", "account_id")
        number = account.id_card_masked or ""
        if unmask and account.id_card_sealed:
            number = self.cipher.open(account.id_card_sealed, account_id)
        if unmask or account_id != actor.account_id:
            audit.record("personal_data.read", target_id=account_id, unmask=unmask, reason=reason.strip())
        return PersonalDataView(account_id, account.real_name or "", number, bool(unmask and account.id_card_sealed))

    @staticmethod
    def _may_read(tenant: str, reader_id: str, account_id: str) -> bool:
        """Region admins, or holders of personal_data.read over an org where the person holds a role."""
        platform, grants = stored_grants(tenant, reader_id)
        if authz.REGION_ADMIN in platform:
            return True
        _, their_grants = stored_grants(tenant, account_id)
        return any(
            authz.decide("personal_data.read", org_path_or_empty(tenant, org_id), grants).allowed
            for _, org_id in their_grants
        )
