"""Queueing work by task name, and batch jobs that continue themselves a bounded number of times."""

from __future__ import annotations

from typing import Any

import pytest

from servicone import jobs


class RecordingTask:
    name = "tests.recording"

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def apply_async(self, args: Any = (), kwargs: Any = None, **options: Any) -> None:
        self.sent.append(dict(kwargs or {}))


def test_a_job_with_work_left_queues_its_next_run_with_the_run_count(settings):
    settings.TASK_REQUEUE_LIMIT = 3
    task = RecordingTask()

    assert jobs.requeue(task, invocation=1) is True
    assert jobs.requeue(task, invocation=2) is True

    assert task.sent == [{"invocation": 2}, {"invocation": 3}]


def test_a_job_that_keeps_finding_work_stops_at_the_limit_and_says_so(settings, caplog):
    settings.TASK_REQUEUE_LIMIT = 3
    task = RecordingTask()

    assert jobs.requeue(task, invocation=3) is False

    assert task.sent == []
    assert "tests.recording stopped after 3 runs in a row" in caplog.text


def test_a_task_named_by_a_service_is_found_though_no_one_imported_its_module():
    task = jobs.task_named("contracts.tasks.expire_contracts")

    assert task.name == "contracts.tasks.expire_contracts"


def test_a_task_queued_on_commit_leaves_only_when_the_transaction_commits(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    sent: list[tuple[str, tuple[Any, ...]]] = []
    monkeypatch.setattr(jobs, "enqueue", lambda name, *args: sent.append((name, args)))

    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue_on_commit("partners.tasks.evaluate_partner_tier", 42)
        assert sent == []

    assert sent == [("partners.tasks.evaluate_partner_tier", (42,))]


@pytest.mark.parametrize(
    ("task_name", "kwargs"),
    [
        ("tickets.tasks.sla_sweep", {}),
        ("reports.tasks.send_monthly_digests", {}),
        ("servicone.tasks.send_notification_emails", {}),
        ("servicone.tasks.send_email_digests", {"frequency": "hourly"}),
    ],
)
def test_every_self_requeueing_job_takes_its_run_count(task_name, kwargs):
    import inspect

    signature = inspect.signature(jobs.task_named(task_name).run)

    assert signature.parameters["invocation"].default == 1
