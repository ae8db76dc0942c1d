"""The fault points of the crash tests (bot/faults.py): inert unless armed, fire once, refused in production;
and what the form does when the database fails in the middle of a turn."""

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot import faults
from bot.db.models import Dossier
from bot.forms.flow import DONE, OTP, SUBMISSION_FAILED, SUMMARY, TEMPORARY_FAILURE
from bot.settings import PRODUCTION, PROJECT_ROOT, load_settings, refusals
from tests.unit.test_form_flow import fill, last_code, world  # noqa: F401 (a fixture)


@pytest.fixture
def armed(tmp_path):
    settings = dataclasses.replace(load_settings(), fault_file=tmp_path / "fault_point")
    faults.configure(settings)
    yield settings.fault_file
    faults.configure(dataclasses.replace(settings, fault_file=None))


def test_points_are_inert_unless_a_fault_file_is_configured(tmp_path):
    faults.configure(dataclasses.replace(load_settings(), fault_file=None))
    (tmp_path / "fault_point").write_text("submission.before_commit error")
    faults.point("submission.before_commit")  # nothing happens
    faults.point("no.such.point")  # not even a check: production pays nothing for the hooks


def test_an_armed_point_fires_once_and_only_there(armed):
    armed.write_text("submission.before_commit error")
    faults.point("submission.after_commit")  # another point: nothing
    with pytest.raises(OperationalError, match=r"fault injected at submission\.before_commit"):
        faults.point("submission.before_commit")
    assert not armed.exists() and armed.with_name("fault_point.fired").exists()
    faults.point("submission.before_commit")  # fired already
    with pytest.raises(ValueError, match="unknown fault point"):
        faults.point("submission.somewhere")


def test_a_paused_point_waits_until_released(armed):
    armed.write_text("payment.after_commit pause")
    reached = armed.with_name("fault_point.reached")

    def release() -> None:
        while not reached.exists():
            time.sleep(0.01)
        time.sleep(0.2)
        reached.unlink()

    releaser = threading.Thread(target=release)
    releaser.start()
    started = time.monotonic()
    faults.point("payment.after_commit")
    releaser.join()
    assert 0.2 <= time.monotonic() - started < faults.PAUSE_SECONDS


def test_a_killing_point_kills_its_process_with_sigkill(tmp_path):
    fault_file = tmp_path / "fault_point"
    fault_file.write_text("otp.after_verify kill")
    script = (
        "from bot import faults; from bot.settings import load_settings; faults.configure(load_settings()); "
        "faults.point('otp.after_verify'); print('survived')"
    )
    environment = {**os.environ, "DVC_FAULT_FILE": str(fault_file)}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=environment, capture_output=True, timeout=60
    )
    assert result.returncode == -signal.SIGKILL and b"survived" not in result.stdout


def test_production_refuses_the_fault_file_and_never_arms_it(tmp_path):
    settings = dataclasses.replace(load_settings(), profile=PRODUCTION, fault_file=tmp_path / "fault_point")
    assert any("DVC_FAULT_FILE" in problem for problem in refusals(settings))
    assert not any(
        "DVC_FAULT_FILE" in problem for problem in refusals(dataclasses.replace(settings, fault_file=None))
    )
    faults.configure(settings)
    settings.fault_file.write_text("otp.after_verify error")
    faults.point("otp.after_verify")  # not armed in production
    assert settings.fault_file.exists()
    environment = {**os.environ, "DVC_PROFILE": PRODUCTION, "DVC_FAULT_FILE": str(settings.fault_file)}
    for server in ("bot.actions", "connectors"):  # the action server, the Rasa server's channels
        started = subprocess.run(
            [sys.executable, "-c", f"import {server}"], cwd=PROJECT_ROOT, env=environment, capture_output=True
        )
        assert started.returncode != 0 and b"DVC_FAULT_FILE" in started.stderr


def at_the_code_step(flow, outbox):
    state, _ = flow.start("9.999001", "x")
    state = fill(flow, flow.handle(state, "/affirm")[0])
    assert state.phase == SUMMARY
    state, _ = flow.handle(state, "/affirm")
    assert state.phase == OTP
    return state


def test_a_submission_failing_after_the_code_keeps_the_phone_verified_and_files_once(world):  # noqa: F811
    flow, sessions, outbox, _ = world
    submit, calls = flow.submit, []

    def database_down_once(*arguments):
        calls.append(arguments)
        if len(calls) == 1:
            raise OperationalError("INSERT", {}, ConnectionError("database connection lost"))
        return submit(*arguments)

    flow.submit = database_down_once
    state, replies = flow.handle(at_the_code_step(flow, outbox), last_code(outbox))
    assert state.phase == OTP and state.phone_verified
    assert replies[0].text == SUBMISSION_FAILED and [b.payload for b in replies[0].buttons] == ["/affirm"]
    sms_sent = outbox.read_text(encoding="utf-8").count("\n")
    state, replies = flow.handle(state, "/affirm")  # "Gửi lại hồ sơ": no new code needed
    assert state.phase == DONE and f"Mã hồ sơ: {state.dossier_code}" in replies[0].text
    assert outbox.read_text(encoding="utf-8").count("\n") == sms_sent
    assert calls[0][2] == calls[1][2]  # the same idempotency key
    with sessions() as session:
        assert session.execute(select(func.count()).select_from(Dossier)).scalar_one() == 1


def test_a_turn_failing_on_the_database_keeps_the_form_where_it_was(world):  # noqa: F811
    flow, *_ = world
    state, _ = flow.start("9.999001", "x")
    at_summary = fill(flow, flow.handle(state, "/affirm")[0])

    class DatabaseDown:
        def send_code(self, phone):
            raise OperationalError("INSERT", {}, ConnectionError("database connection lost"))

    flow.verifier = DatabaseDown()
    state, replies = flow.handle(at_summary, "/affirm")
    assert state == at_summary and [reply.text for reply in replies] == [TEMPORARY_FAILURE]
