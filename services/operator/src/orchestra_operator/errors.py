"""The operator's domain errors: what a command's outcome means for its message.

Activities (``launching``, ``terminating``) raise these; ``subscribers`` maps
them onto JetStream: a refused command is dead-lettered with its reason and
acknowledged, a deferred one is negatively acknowledged and comes back later.
"""


class CommandRefused(Exception):
    """The command can never succeed as sent; it goes to the dead-letter subject."""


class InvalidName(CommandRefused):
    """The instance name, or the host built from it, is not a valid DNS name."""


class NameCollision(CommandRefused):
    """A Workshop of that name exists, created by another launch: never treated as a redelivery."""


class UnknownTier(CommandRefused):
    """The template asks for a tier the operator has no placement for."""


class UnknownTemplate(CommandRefused):
    """The launch names a template the operator's catalog does not have, or has disabled."""


class DeadlineRefused(CommandRefused):
    """The launch's deadline lies beyond what its template allows (``maxDuration``)."""


class ClaimRefused(CommandRefused):
    """A claim names a Workshop its pool does not own (any more): someone else has it."""


class CommandDeferred(Exception):
    """The command cannot proceed yet (for example its namespace is being deleted); retry."""


class LeadershipLost(Exception):
    """This replica could not renew the leader Lease in time and must stop acting."""
