"""Gitless delivery: the rendered manifests as a Flux OCI artifact (``cdk8s-flux push`` / ``pull``).

``reference`` parses ``oci://`` references, ``artifact`` builds the artifact
bytes (pure, deterministic), ``registry`` talks to the registry through
oras-py, ``push`` renders the app and pushes it, ``pull`` fetches an artifact
and extracts or verifies it. The targets and constructs use ``reference``'s rules
(tags, digests, providers); the registry client loads only when a command needs it.
"""
