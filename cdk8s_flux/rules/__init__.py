"""Rules the Kubernetes API server enforces beyond the OpenAPI schemas, one concept per module.

``metadata`` (names, labels, annotations of every object), ``enums`` (the
values core fields accept) and ``workloads`` (a workload's selector against its
template's labels, and what its pods may be). Each rule names the Kubernetes source it was read from.
"""
