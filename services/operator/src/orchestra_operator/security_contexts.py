"""The security contexts of a workshop pod, one pair for each security profile.

``manifests.deployment`` puts them on the pod and its container (docs/src/content/docs/operators/security-profiles.md
says which image needs which, and the sources). ``restricted`` meets Pod Security
``restricted``; ``root-init`` lets an init system start as root and drop to a user, within
``baseline``: no privilege escalation, every capability dropped but the few such an init
uses, the runtime's default seccomp profile. Pure; ``pod_security`` checks the result.
"""

from __future__ import annotations

from typing import Any

from orchestra_shared.templates import SecurityProfile

Body = dict[str, Any]

RESTRICTED_USER = 1000
"""uid of a ``restricted`` pod: the docker-stacks images' NB_UID and code-server's ``coder``."""
RESTRICTED_FS_GROUP = 100
"""Group of the volume in a ``restricted`` pod: the docker-stacks images' NB_GID (``users``)."""
ROOT_INIT_FS_GROUP = 1000
"""Group of the volume in a ``root-init`` pod: the gid the init drops to (rocker's GROUPID
default, the ``rstudio`` group), so the learner's processes can write it."""
ROOT_INIT_CAPABILITIES = ("CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETGID", "SETUID")
"""What a root init needs of root: take ownership of and change modes of files (s6-overlay's
stage 1 and the images' user set-up), read files of the user it serves, signal and switch to
that user. All are in ``baseline``'s list; the rest of Docker's default set is dropped."""


def container_security_context(profile: SecurityProfile) -> Body:
    """The workshop container's ``securityContext`` for its profile."""
    if profile == "root-init":
        return {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"], "add": list(ROOT_INIT_CAPABILITIES)},
            "seccompProfile": {"type": "RuntimeDefault"},
        }
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_security_context(profile: SecurityProfile) -> Body:
    """The pod's ``securityContext``: who it runs as and who owns its volume."""
    if profile == "root-init":
        # The image's own user (root) starts the init; it drops to the learner's user.
        return {
            "fsGroup": ROOT_INIT_FS_GROUP,
            "fsGroupChangePolicy": "OnRootMismatch",
            "seccompProfile": {"type": "RuntimeDefault"},
        }
    return {
        "runAsNonRoot": True,
        "runAsUser": RESTRICTED_USER,
        "fsGroup": RESTRICTED_FS_GROUP,
        "fsGroupChangePolicy": "OnRootMismatch",
        "seccompProfile": {"type": "RuntimeDefault"},
    }
