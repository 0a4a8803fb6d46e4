"""`tichub worker`: run background tasks (e-mail, reports, imports) from the database queue."""

from django_tasks_db.management.commands.db_worker import Command as DbWorker


class Command(DbWorker):
    help = "Run the background task worker (database queue)."
