"""Twilio's webhooks as the tests post them: signed with the fake Twilio's token."""

from __future__ import annotations

from xml.etree import ElementTree

from twilio.request_validator import RequestValidator

from tests.fake_twilio import AUTH_TOKEN

SMS_PATH = "/webhooks/twilio/sms/"
STATUS_PATH = "/webhooks/twilio/status/"


def signed_post(client, path: str, data: dict, *, token: str = AUTH_TOKEN, query: str = "", signature=None):
    from django.conf import settings

    url = settings.PUBLIC_BASE_URL + path + (f"?{query}" if query else "")
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, data)
    headers = {"HTTP_X_TWILIO_SIGNATURE": signature} if signature else {}
    return client.post(path + (f"?{query}" if query else ""), data, **headers)


_sid = iter(range(10**6))


def inbound(client, member_or_phone, body: str, **kwargs):
    phone = member_or_phone if isinstance(member_or_phone, str) else member_or_phone.phone
    data = {"MessageSid": f"SM{next(_sid):032d}", "From": phone, "To": "+12175550000", "Body": body}
    return signed_post(client, SMS_PATH, data, **kwargs)


def reply_text(response) -> str:
    root = ElementTree.fromstring(response.content)
    return " ".join(m.text or "" for m in root.iter("Message"))


def status(client, sid: str, value: str, code: str = "", query: str = ""):
    data = {"MessageSid": sid, "MessageStatus": value}
    if code:
        data["ErrorCode"] = code
    return signed_post(client, STATUS_PATH, data, query=query)
