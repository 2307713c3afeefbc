"""Simplified Chinese, delivered: who chooses the language, and what speaks it (pages, emails, API errors)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.extensions import db
from app.models import User
from tests import factories as f
from tests.conftest import csrf_token, login
from tests.web.conftest import post

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}


def _page(client, path: str, headers: dict | None = None) -> str:
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_chinese_browser_gets_the_sign_in_page_in_chinese_with_the_right_lang(client):
    html = _page(client, "/login", ZH)
    assert '<html lang="zh-Hans">' in html
    assert "欢迎回来" in html and "登录以管理你的组织。" in html
    assert "Welcome back" not in html


def test_traditional_chinese_is_not_served_simplified(client):
    html = _page(client, "/login", {"Accept-Language": "zh-TW,en;q=0.5"})
    assert '<html lang="en">' in html and "Welcome back" in html


def test_the_footer_switcher_works_signed_out_and_comes_back_to_the_page(client):
    token = csrf_token(client, "/forgot-password")
    response = client.post("/language", data={"csrf_token": token, "locale": "zh", "next": "/forgot-password"})
    assert response.status_code == 302 and response.location == "/forgot-password"
    assert "忘记密码？" in _page(client, "/forgot-password")
    # The visitor's own choice beats the browser's language.
    assert "忘记密码？" in _page(client, "/forgot-password", {"Accept-Language": "en"})


def test_the_switcher_refuses_foreign_redirects_and_unknown_languages(client):
    token = csrf_token(client, "/forgot-password")
    response = client.post("/language", data={"csrf_token": token, "locale": "zh", "next": "//evil.example/"})
    assert response.location == "/"
    client.post("/language", data={"csrf_token": token, "locale": "xx", "next": "/login"})
    assert "欢迎回来" in _page(client, "/login", {"Accept-Language": "en"})  # the earlier valid choice stays


def test_the_switcher_needs_a_csrf_token(client):
    assert client.post("/language", data={"locale": "zh", "next": "/login"}).status_code == 400


def test_order_is_own_choice_then_organisation_then_browser(client, org):
    org.tenant.config.locale = "zh"
    db.session.commit()
    login(client, org.admin)
    # The organisation speaks Chinese; the browser asks for English: the organisation wins.
    assert "成员" in _page(client, "/t/acme/members", {"Accept-Language": "en"})
    # The person's own choice beats the organisation's.
    user = db.session.get(User, org.admin.id)
    user.locale = "en"
    db.session.commit()
    html = _page(client, "/t/acme/members", ZH)
    assert '<html lang="en">' in html and "People in Acme" in html


def test_switching_while_signed_in_saves_the_choice_to_the_profile(client, org):
    login(client, org.member)
    post(client, "/language", {"locale": "zh", "next": "/t/acme"}, token_from="/t/acme/members")
    db.session.expire_all()
    assert db.session.get(User, org.member.id).locale == "zh"
    assert "你的角色" in _page(client, "/t/acme/", {"Accept-Language": "en"})


def test_dates_follow_the_locale(client, org, clock):
    clock(datetime(2026, 12, 1, 9, 30, tzinfo=UTC))
    f.member(org.tenant, "member", f.user("late@acme.test", name="Lena Late"))  # joins today
    user = db.session.get(User, org.owner.id)
    user.locale = "zh"
    db.session.commit()
    login(client, org.owner)
    assert "2026年12月1日" in _page(client, "/t/acme/members")  # Chinese date order, not "Dec 1, 2026"


def test_api_error_messages_follow_accept_language_and_codes_do_not_change(client, org):
    key = f.api_key(org.tenant, "owner")
    headers = {"Authorization": f"Bearer {key}"}
    english = client.post("/api/v1/tenants/acme/domains", json={"domain": "gmail.com"}, headers=headers)
    chinese = client.post("/api/v1/tenants/acme/domains", json={"domain": "gmail.com"}, headers={**headers, **ZH})
    assert english.status_code == chinese.status_code == 422
    assert english.json["error"]["code"] == chinese.json["error"]["code"] == "public_mail_domain"
    assert "public mail provider" in english.json["error"]["message"]
    assert chinese.json["error"]["message"] == "gmail.com 是公共邮箱服务商：任何人都可以在那里注册地址，因此任何组织都不能认领它。"
    # pydantic's own checks speak Chinese too, field by field.
    missing = client.post("/api/v1/tenants/acme/users", json={"role": 7}, headers={**headers, **ZH})
    assert missing.status_code == 422
    assert missing.json["error"]["details"]["fields"]["email"] == ["email 为必填项。"]


def test_the_openapi_document_stays_english(client):
    document = client.get("/api/v1/openapi.json", headers=ZH).get_data(as_text=True)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in document.replace("中文", ""))


def test_an_invitation_to_a_new_person_is_written_in_the_organisations_language(client, org, mailbox):
    org.tenant.config.locale = "zh"
    db.session.commit()
    login(client, org.admin)
    post(client, "/t/acme/invitations", {"email": "new@acme.test", "role": "member"}, token_from="/t/acme/invitations")
    message = mailbox.wait_for("new@acme.test")
    assert message["Subject"] == "Adam Admin 邀请你加入 Acme"
    body = message.get_body(("plain",)).get_content()
    assert "以成员身份加入 Acme" in body and "接受邀请" in body


def test_an_email_to_an_existing_account_uses_that_persons_language(client, org, mailbox):
    user = db.session.get(User, org.viewer.id)
    user.locale = "zh"
    db.session.commit()
    token = csrf_token(client, "/forgot-password")
    client.post("/forgot-password", data={"csrf_token": token, "email": org.viewer.email})
    message = mailbox.wait_for(org.viewer.email)
    assert message["Subject"] == "重置密码"
    assert "设置新密码" in message.get_body(("plain",)).get_content()


def test_form_validation_messages_from_wtforms_are_chinese_too(client):
    html = client.post("/signup", data={"csrf_token": csrf_token(client, "/signup")}, headers=ZH).get_data(as_text=True)
    assert "This field is required" not in html and "is required" not in html
    assert "请填写" in html or "必填" in html



def test_cli_commands_speak_the_terminals_language(runner, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "已清除 0 个组织。" in runner.invoke(args=["tenants", "purge-deleted"]).output
    from app.web.i18n import environment_language

    for value, language in (("en_US.UTF-8", "en"), ("zh_SG.UTF-8", "zh"), ("zh_TW.UTF-8", "en"), ("C", "en")):
        monkeypatch.setenv("LANG", value)
        assert environment_language() == language


def test_billing_notices_are_written_in_each_owners_language(app, org, mailbox):
    from app.billing import notices
    from app.services.transaction import unit_of_work

    org.tenant.config.locale = "zh"
    db.session.commit()
    with unit_of_work():
        notices.notify(org.tenant, "payment_failed")
    assert mailbox.wait_for(org.owner.email)["Subject"] == "Acme：付款失败"
