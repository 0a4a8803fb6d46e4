from django import forms

from .errors import ServiceError


def form_error(form: forms.BaseForm, exc: ServiceError) -> None:
    """Put a service's refusal on the form: each field's messages on that field, the summary on the form."""
    placed = False
    for name, messages in exc.fields.items():
        for message in messages:
            if name in form.fields:
                form.add_error(name, message)
                placed = True
            else:
                form.add_error(None, f"{name}: {message}")
                placed = True
    if not placed or exc.message not in {m for msgs in exc.fields.values() for m in msgs}:
        form.add_error(None, exc.message)
