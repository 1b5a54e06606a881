"""Flux v2 release data: the release embedded in the package (``embedded``), the lookup of
any other (``lookup``), the lock file that pins them (``lock``) and ``cdk8s-flux vendor`` (``vendor``).

Nothing here imports cdk8s, so the checks and the delivery commands use the
release without starting Node; this file imports nothing, so ``--help`` stays light.
"""
