"""
The emulated Kubernetes API for the dev stack and the integration tests.

``EmulatedCluster`` serves kmock's ``KubernetesEmulator`` over HTTP on loopback
with our conformance layer in front of it, a garbage collector and a fake
kubelet; ``python -m orchestra_devstack.cluster`` runs it as a process.
"""

from orchestra_devstack.cluster.kubelet import FakeKubelet
from orchestra_devstack.cluster.serving import EmulatedCluster

__all__ = ["EmulatedCluster", "FakeKubelet"]
