"""Every write that changes a state. Each service takes keyword arguments,
runs in one transaction, checks the current state and the actor, raises
ServiceError with a message a person can read, and writes the audit record."""

from .base import ServiceError, audit  # noqa: F401
