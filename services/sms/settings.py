"""sms's configuration (environment variables, validated at start-up)."""

from __future__ import annotations

from pydantic import Field

from kernel.config import BaseConfig, BusConfig, StoreConfig
from kernel.grpc_server import ServiceConfig


class SmsSettings(BaseConfig):
    """What SMS costs and how much a region and an org may send (a region admin changes them per region and
    org; these are the defaults)."""

    sms_signature: str = "基层"  # 签名: the region's until its admin sets one
    sms_price_li: int = Field(45, ge=0, le=10_000)  # per part, in 厘 (0.001 yuan): 4.5 fen
    sms_org_monthly_quota: int = Field(20_000, ge=0)  # parts per org and month
    sms_region_monthly_quota: int = Field(2_000_000, ge=0)  # parts per region and month
    sms_org_sends_per_hour: int = Field(20, ge=1, le=10_000)  # an org's officers' sends (not the platform's)


class SmsConfig(ServiceConfig, SmsSettings):
    pass


class SmsWorkerConfig(StoreConfig, BusConfig, SmsSettings):
    pass


class SenderConfig(StoreConfig, BusConfig, SmsSettings):
    """The sender: the provider's speed (parts per second it allows) and how far ahead it leases."""

    sms_provider_tps: float = Field(100.0, gt=0, le=10_000)
    sms_lease_seconds: int = Field(60, ge=5, le=3600)  # a message being submitted is someone's for this long
    sms_in_flight: int = Field(64, ge=1, le=10_000)  # submits awaiting the provider's answer at once
