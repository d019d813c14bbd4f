from __future__ import annotations

import datetime as dt
import zoneinfo

from notifications.quiet import in_quiet_hours, sms_send_time

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHICAGO)


def test_quiet_hours_are_on_the_member_clock():
    assert in_quiet_hours(local(2026, 3, 3, 21, 0), "America/Chicago")
    assert in_quiet_hours(local(2026, 3, 3, 7, 59), "America/Chicago")
    assert not in_quiet_hours(local(2026, 3, 3, 8, 0), "America/Chicago")
    assert not in_quiet_hours(local(2026, 3, 3, 20, 59), "America/Chicago")
    # 22:00 in Chicago is 20:00 in Los Angeles: not quiet there.
    assert not in_quiet_hours(local(2026, 3, 3, 22, 0), "America/Los_Angeles")


def test_outside_quiet_hours_nothing_moves():
    due = local(2026, 3, 3, 17, 0)
    assert sms_send_time(due=due, tz_name="America/Chicago", session_starts_at=due + dt.timedelta(hours=2)) == due


def test_inside_quiet_hours_moves_to_their_end_when_still_before_the_session():
    due = local(2026, 3, 3, 23, 0)
    start = local(2026, 3, 4, 10, 0)
    assert sms_send_time(due=due, tz_name="America/Chicago", session_starts_at=start) == local(2026, 3, 4, 8, 0)


def test_when_the_morning_is_too_late_it_goes_out_before_quiet_hours_began():
    due = local(2026, 3, 4, 6, 0)  # 2 h before an 08:00 session
    start = local(2026, 3, 4, 8, 0)
    assert sms_send_time(due=due, tz_name="America/Chicago", session_starts_at=start) == local(2026, 3, 3, 20, 59)


def test_end_of_quiet_hours_keeps_wall_clock_across_dst():
    due = local(2026, 3, 8, 1, 0)  # the spring-forward night
    moved = sms_send_time(due=due, tz_name="America/Chicago", session_starts_at=local(2026, 3, 8, 18, 0))
    assert moved.astimezone(CHICAGO).hour == 8 and moved.astimezone(CHICAGO).tzname() == "CDT"


def test_settings_change_the_window(settings):
    settings.SMS_QUIET_HOURS_START = 22
    settings.SMS_QUIET_HOURS_END = 7
    assert not in_quiet_hours(local(2026, 3, 3, 21, 30), "America/Chicago")
    assert in_quiet_hours(local(2026, 3, 3, 6, 30), "America/Chicago")


def test_an_urgent_notice_for_an_early_session_goes_at_once():
    due = local(2026, 3, 3, 22, 30)  # cancelled late in the evening…
    start = local(2026, 3, 4, 7, 0)  # …for a session before quiet hours end
    assert sms_send_time(due=due, tz_name="America/Chicago", session_starts_at=start, urgent=True) == due
    assert sms_send_time(due=due, tz_name="America/Chicago", session_starts_at=start) < due
