"""sms's rules: templates and variables, the signature, phone lists, keywords of replies, months, retries, and
how many parts a text costs."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import DomainError
from services.sms.domain import rules, segments

pytestmark = pytest.mark.unit


def test_render_fills_every_variable_and_refuses_missing_or_unknown_ones():
    text, used = rules.render("${org}定于${time}开会，${org}全体参加", {"org": "一支部", "time": "明天"})
    assert text == "一支部定于明天开会，一支部全体参加"
    assert used == {"org": "一支部", "time": "明天"}
    with pytest.raises(DomainError) as missing:
        rules.render("${org}开会", {})
    assert missing.value.field == "variables.org"
    with pytest.raises(DomainError) as unknown:
        rules.render("${org}开会", {"org": "一支部", "extra": "x"})
    assert unknown.value.field == "variables.extra"
    with pytest.raises(DomainError) as long:
        rules.render("${org}", {"org": "长" * 36})
    assert long.value.key == "sms_variable_invalid"


def test_the_platforms_own_sends_shorten_long_values_instead_of_failing():
    text, _ = rules.render("《${title}》", {"title": "题" * 50}, strict=False)
    assert text == "《" + "题" * 34 + "…》"


def test_a_template_with_a_stray_dollar_or_control_character_is_refused():
    assert rules.check_template(" 通知 ", "请于${time}到会", "SMS_1") == ("通知", "请于${time}到会", "SMS_1")
    for bad in ("费用$5", "${Bad}", "a\x07b"):
        with pytest.raises(DomainError):
            rules.check_template("通知", bad, "")
    assert rules.variables_of("${a}${b}${a}") == ["a", "b"]


def test_signature_and_signed_text():
    assert rules.check_signature(" 基层 ") == "基层"
    for bad in ("基", "【基层】", "十三个字的签名太长了不行啊啊"):
        with pytest.raises(DomainError):
            rules.check_signature(bad)
    assert rules.signed("基层", "你好") == "【基层】你好"


def test_phone_lists_are_normalised_deduplicated_and_a_bad_one_is_named():
    assert rules.check_phones(["+86 138-0000-0001", "13800000001", "8613900000002"]) == ["13800000001", "13900000002"]
    with pytest.raises(DomainError) as bad:
        rules.check_phones(["13800000001", "12345"])
    assert bad.value.field == "phones[1]"
    with pytest.raises(DomainError):
        rules.check_phones(["13800000001"] * 1001)


def test_keywords_and_choices_of_replies():
    for word in ("TD", " td ", "退订", "STOP", "ｔｄ"):
        assert rules.keyword(word) == "opt_out"
    assert rules.keyword("订阅") == "opt_in"
    assert rules.keyword("TD一下") == ""
    assert rules.choice_of("1") == "1"
    assert rules.choice_of(" 2 出差") == "2"
    assert rules.choice_of("２") == "2"  # a full-width digit from a Chinese keyboard
    assert rules.choice_of("好的") == ""


def test_months_are_china_time_and_schedules_are_bounded():
    late = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)  # 01:00 on 1 December in Beijing
    assert rules.month_of(late) == "2026-12"
    assert rules.check_month("", late) == "2026-12"
    with pytest.raises(DomainError):
        rules.check_month("2026-13", late)
    assert rules.check_schedule(late - dt.timedelta(hours=1), late) is None
    assert rules.check_schedule(late + dt.timedelta(days=1), late) == late + dt.timedelta(days=1)
    with pytest.raises(DomainError):
        rules.check_schedule(late + dt.timedelta(days=31), late)
    assert rules.china_time(late) == "12月1日 01:00"


def test_retries_back_off_to_five_minutes():
    assert [rules.retry_delay(n).total_seconds() for n in (0, 1, 2, 3, 10)] == [2, 2, 4, 8, 300]


def test_parts_are_what_carriers_bill():
    assert segments.count("a" * 160) == 1
    assert segments.count("a" * 161) == 2
    assert segments.count("党" * 70) == 1
    assert segments.count("党" * 71) == 2
    assert segments.count("党" * 134) == 2
    assert segments.count("党" * 135) == 3


def test_a_long_chinese_text_splits_with_headers_and_joins_back():
    text = rules.signed("基层", "关于召开第三季度党员大会的通知。" * 12)
    parts = segments.split(text, 42)
    assert len(parts) == segments.count(text) >= 3
    assert all(p.data_coding == segments.UCS2 and p.esm_class == segments.UDHI for p in parts)
    assert all(p.short_message[:5] == bytes([5, 0, 3, 42, len(parts)]) for p in parts)
    assert [p.short_message[5] for p in parts] == list(range(1, len(parts) + 1))
    assert all(len(p.short_message) <= 140 for p in parts)
    assert segments.join([p.short_message for p in parts], segments.UCS2) == (42, text)


def test_an_emoji_is_never_cut_in_half():
    text = "党" * 66 + "😀" + "党" * 10
    parts = segments.split(text, 1)
    assert segments.join([p.short_message for p in parts], segments.UCS2)[1] == text
    for p in parts:
        p.short_message[6:].decode("utf-16-be")  # each part decodes on its own


def test_a_quota_is_retried_when_the_next_month_begins_china_time():
    last_minute = dt.datetime(2026, 12, 31, 15, 59, tzinfo=dt.UTC)  # 23:59 in Beijing
    assert rules.seconds_until_after("2026-12", last_minute) == 60
    assert rules.seconds_until_after("2026-11", dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)) == 3600
    assert rules.seconds_until_after("2026-11", dt.datetime(2026, 12, 1, tzinfo=dt.UTC)) == 1  # already over
