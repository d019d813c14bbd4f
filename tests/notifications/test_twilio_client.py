from __future__ import annotations

import datetime as dt

import pytest

from notifications.transports import OutgoingMessage, TwilioSms
from notifications.twilio_client import RebasedHttpClient, twilio_client


def test_requests_for_api_twilio_com_go_to_the_configured_base():
    client = RebasedHttpClient(base_url="http://127.0.0.1:9999/")
    assert client.rewrite("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?Page=1") == (
        "http://127.0.0.1:9999/2010-04-01/Accounts/AC1/Messages.json?Page=1"
    )
    assert RebasedHttpClient(base_url="").rewrite("https://api.twilio.com/x") == "https://api.twilio.com/x"


def test_messaging_service_is_used_when_configured(twilio_settings, fake_twilio):
    twilio_settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32
    sid = TwilioSms().send(OutgoingMessage(to="+12175550123", body="Hello"))
    [message] = fake_twilio.sent_to("+12175550123")
    assert message["sid"] == sid and message["messaging_service_sid"] == "MG" + "1" * 32 and message["from"] is None


def test_listing_pages_through_the_real_sdk(twilio_settings, fake_twilio, now):
    for i in range(120):
        fake_twilio.create({"To": "+12175550123", "Body": f"message {i}", "From": "+12175550000"})
    listed = twilio_client().messages.list(to="+12175550123", page_size=50)
    assert len(listed) == 120
    found = TwilioSms().find_sent(to="+12175550123", body="message 7", since=now, exclude=set())
    assert found == next(m["sid"] for m in fake_twilio.messages if m["body"] == "message 7")
    assert TwilioSms().find_sent(to="+12175550123", body="message 7", since=now, exclude={found}) is None
    later = now + dt.timedelta(hours=1)
    assert TwilioSms().find_sent(to="+12175550123", body="message 7", since=later, exclude=set()) is None


def test_wrong_credentials_are_a_permanent_error(twilio_settings, fake_twilio):
    from notifications.transports import TransportError

    twilio_settings.TWILIO_AUTH_TOKEN = "wrong"
    with pytest.raises(TransportError) as error:
        TwilioSms().send(OutgoingMessage(to="+12175550123", body="Hello"))
    assert error.value.permanent and error.value.code == "20003"
