"""Background work of the catalogue."""

from django_tasks import task

from .services import standard_status_roll


@task()
def standards_status_roll() -> dict[str, list[str]]:
    """Run daily (cron or a scheduler enqueues it): statuses follow effective and withdrawal dates."""
    return standard_status_roll()
