"""Kopf handlers: the operator's entry points for events from the Kubernetes API."""
