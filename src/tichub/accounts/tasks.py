"""E-mail leaves the request path: services enqueue it after their transaction commits."""

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django_tasks import task


@task()
def send_email(*, to: str, subject: str, body: str) -> None:
    send_mail(subject, body, None, [to])


def enqueue_email(*, to: str, template: str, context: dict[str, Any]) -> None:
    """Render `<template>_subject.txt` and `<template>.txt` (bilingual) now, send them from a worker."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    send_email.enqueue(to=to, subject=subject, body=render_to_string(f"{template}.txt", context))
