"""Emails wait for the commit: each is a job (``funding.jobs.queue``), queued once the
transaction that caused it commits and dropped if it rolls back (as Indico's ``send_email``
waits for the commit); a worker sends it, retrying a mail server that fails.

Notifications (``funding.notifications.services.notify``) are jobs too: each writes its
in-app rows and queues its email, so a mail server that fails delays only the email.
"""

from flask_mailman import EmailMessage

from funding.jobs.models import Job
from funding.jobs.queue import enqueue, handles


def queue_email(subject: str, body: str, to: list[str]) -> None:
    """Send this email once the current transaction commits."""
    enqueue("email", {"subject": subject, "body": body, "to": list(to)})


@handles("email")
def send_email(job: Job) -> dict:
    """Send a queued email; an error is retried by the queue."""
    params = job.params
    EmailMessage(subject=params["subject"], body=params["body"], to=params["to"]).send()
    return {"sent_to": len(params["to"])}
