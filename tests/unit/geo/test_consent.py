"""Consent purposes, text versions, and that every text and retention line is in the catalog."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel import messages
from kernel.errors import DomainError, ErrorCode
from services.geo.domain import consent

pytestmark = pytest.mark.unit


def test_purposes():
    assert consent.PURPOSES == ("check_in", "mobile_city", "live_sharing")
    for purpose in consent.PURPOSES:
        assert consent.check_purpose(purpose) == purpose


def test_an_unknown_or_disallowed_purpose_is_refused():
    with pytest.raises(DomainError) as caught:
        consent.check_purpose("advertising")
    assert (caught.value.code, caught.value.key, caught.value.field) == (
        ErrorCode.INVALID_ARGUMENT,
        "geo_purpose_invalid",
        "purpose",
    )
    reportable = (consent.MOBILE_CITY, consent.LIVE_SHARING)
    assert consent.check_purpose("live_sharing", allowed=reportable) == "live_sharing"
    with pytest.raises(DomainError) as caught:
        consent.check_purpose("check_in", field="purpose", allowed=reportable)
    assert caught.value.params == {"allowed": "mobile_city, live_sharing"}


def test_granting_needs_the_current_version():
    for purpose in consent.PURPOSES:
        assert consent.check_version(purpose, consent.CURRENT_VERSION[purpose]) == 1
    for stale in (0, 2, -1):
        with pytest.raises(DomainError) as caught:
            consent.check_version(consent.CHECK_IN, stale)
        error = caught.value
        assert (error.code, error.key, error.field) == (
            ErrorCode.FAILED_PRECONDITION,
            "geo_consent_version_stale",
            "version",
        )
        assert error.params == {"current": 1}
        assert "1" in error.message("zh-CN")


def test_every_current_text_and_retention_is_in_the_catalog_in_both_languages():
    for purpose in consent.PURPOSES:
        key = consent.TEXT_KEYS[(purpose, consent.CURRENT_VERSION[purpose])]
        retention = consent.RETENTION_KEYS[purpose]
        for k in (key, retention):
            assert set(messages.CATALOG[k]) == set(messages.LOCALES), k
            assert all(text.strip() for text in messages.CATALOG[k].values()), k
        # a text a member can act on: how to take it back, and that what was kept goes with it
        text = messages.CATALOG[key]["zh-CN"]
        assert "撤回" in text and "删除" in text and "随时" in text, purpose


def test_the_texts_state_the_retention_the_code_applies():
    texts = {p: messages.CATALOG[consent.TEXT_KEYS[(p, 1)]]["zh-CN"] for p in consent.PURPOSES}
    assert f"{consent.CHECK_IN_POINT_KEPT.days} 天" in texts[consent.CHECK_IN]
    assert "已出席" in texts[consent.CHECK_IN]
    assert f"{consent.CITY_KEPT.days} 天" in texts[consent.MOBILE_CITY]
    assert "10 人" in texts[consent.MOBILE_CITY]
    assert "会议结束" in texts[consent.LIVE_SHARING]
    retention = messages.CATALOG[consent.RETENTION_KEYS[consent.CHECK_IN]]["en"]
    assert str(consent.CHECK_IN_POINT_KEPT.days) in retention


def test_retention_periods():
    assert consent.CHECK_IN_POINT_KEPT == dt.timedelta(days=90)
    assert consent.CITY_KEPT == dt.timedelta(days=180)
    assert consent.DEVICE_FIX_KEPT == dt.timedelta(hours=24)
