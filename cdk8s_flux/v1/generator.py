"""``.flux.yaml``: the file that makes fluxd (manifest generation) render an app itself.

fluxd reads ``version: 1`` and exactly one of ``commandUpdated``,
``patchUpdated`` or ``scanForFiles``; it rejects anything else. The classes
here enforce the same rules when the file is written or read.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cdk8s_flux import atomic
from cdk8s_flux.errors import ValidationError

FILENAME = ".flux.yaml"

#: The generator that renders a cdk8s app as one YAML stream.
RENDER_COMMAND = "cdk8s-flux render --quiet"


def _command(field_name: str, command: str) -> str:
    if not isinstance(command, str) or not command.strip():
        raise ValidationError(field_name, command, "empty command", "give a shell command, such as 'cdk8s-flux render'")
    return command


@dataclass(frozen=True)
class Updater:
    """Commands fluxd runs to change an image or a policy in the app's source."""

    container_image: str | None = None
    policy: str | None = None

    def __post_init__(self) -> None:
        if self.container_image is None and self.policy is None:
            raise ValidationError(
                "updaters", self, "an updater needs a command", "set container_image, policy or both"
            )
        if self.container_image is not None:
            _command("updaters.containerImage.command", self.container_image)
        if self.policy is not None:
            _command("updaters.policy.command", self.policy)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.container_image is not None:
            out["containerImage"] = {"command": self.container_image}
        if self.policy is not None:
            out["policy"] = {"command": self.policy}
        return out


def _generators(values: tuple[str, ...], mode: str) -> tuple[str, ...]:
    values = tuple(values)
    if not values:
        # The schema allows an empty list, but fluxd then fails at sync time
        # with "no generator commands to run".
        raise ValidationError(
            f"{mode}.generators", list(values), "no generator command", f"give at least one, such as {RENDER_COMMAND!r}"
        )
    for index, value in enumerate(values):
        _command(f"{mode}.generators[{index}].command", value)
    return values


@dataclass(frozen=True)
class CommandUpdated:
    """Generate with commands; apply image and policy updates with commands too."""

    generators: tuple[str, ...] = (RENDER_COMMAND,)
    updaters: tuple[Updater, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "generators", _generators(self.generators, "commandUpdated"))
        object.__setattr__(self, "updaters", tuple(self.updaters))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"generators": [{"command": c} for c in self.generators]}
        if self.updaters:
            out["updaters"] = [u.to_dict() for u in self.updaters]
        return out


@dataclass(frozen=True)
class PatchUpdated:
    """Generate with commands; fluxd records image and policy updates in a patch file."""

    generators: tuple[str, ...] = (RENDER_COMMAND,)
    patch_file: str = "flux-patch.yaml"

    def __post_init__(self) -> None:
        object.__setattr__(self, "generators", _generators(self.generators, "patchUpdated"))
        if not isinstance(self.patch_file, str) or not self.patch_file.strip():
            raise ValidationError("patchUpdated.patchFile", self.patch_file, "empty", "name a file, such as flux-patch.yaml")
        if self.patch_file.startswith("/"):
            raise ValidationError(
                "patchUpdated.patchFile",
                self.patch_file,
                "fluxd resolves it relative to the generator's folder",
                "give a relative path",
            )

    def to_dict(self) -> dict[str, Any]:
        return {"generators": [{"command": c} for c in self.generators], "patchFile": self.patch_file}


@dataclass(frozen=True)
class ScanForFiles:
    """Treat the folder as plain YAML files, undoing a ``.flux.yaml`` higher up."""

    def to_dict(self) -> dict[str, Any]:
        return {}


Mode = CommandUpdated | PatchUpdated | ScanForFiles
_MODE_KEYS = {CommandUpdated: "commandUpdated", PatchUpdated: "patchUpdated", ScanForFiles: "scanForFiles"}


@dataclass(frozen=True)
class GeneratorConfig:
    """One ``.flux.yaml`` file (format version 1).

    The default renders a cdk8s app with ``cdk8s-flux render`` and lets fluxd
    keep automated image updates in ``flux-patch.yaml``, since it cannot edit
    Python code.
    """

    mode: Mode = field(default_factory=PatchUpdated)

    def __post_init__(self) -> None:
        if type(self.mode) not in _MODE_KEYS:
            raise ValidationError(
                "mode", self.mode, "not a .flux.yaml mode", "use CommandUpdated, PatchUpdated or ScanForFiles"
            )

    @classmethod
    def for_app(cls, app_command: str | None = None, patch_file: str = "flux-patch.yaml") -> GeneratorConfig:
        """Render the cdk8s app in the folder of the file; ``app_command`` overrides cdk8s.yaml's ``app:``."""
        command = RENDER_COMMAND
        if app_command:
            command += " --app " + shlex.quote(_command("app_command", app_command))
        return cls(PatchUpdated(generators=(command,), patch_file=patch_file))

    def to_dict(self) -> dict[str, Any]:
        """The file's content as fluxd reads it."""
        return {"version": 1, _MODE_KEYS[type(self.mode)]: self.mode.to_dict()}

    def to_yaml(self) -> str:
        """The file's text: deterministic, keys in fluxd's documented order."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, default_flow_style=False, width=1 << 16)

    def write(self, directory: Path | str) -> Path:
        """Write ``.flux.yaml`` into ``directory`` (atomically) and return its path."""
        path = Path(directory) / FILENAME
        atomic.write_file(path, self.to_yaml())
        return path

    @classmethod
    def parse(cls, text: str) -> GeneratorConfig:
        """Read a ``.flux.yaml``, refusing what fluxd refuses (unknown keys, several modes)."""
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValidationError(FILENAME, "<file>", f"not valid YAML ({exc})", "fix the syntax") from exc
        if not isinstance(data, dict):
            raise ValidationError(FILENAME, data, "not a mapping", "start with 'version: 1'")
        if data.get("version") != 1:
            raise ValidationError("version", data.get("version"), "fluxd only reads version 1", "write 'version: 1'")
        modes = [key for key in data if key != "version"]
        known = set(_MODE_KEYS.values())
        unknown = [key for key in modes if key not in known]
        if unknown or len(modes) != 1:
            raise ValidationError(
                FILENAME,
                sorted(modes),
                "fluxd needs exactly one of commandUpdated, patchUpdated or scanForFiles and nothing else",
                "keep one of them",
            )
        (key,) = modes
        body = data[key] if data[key] is not None else {}
        if not isinstance(body, dict):
            raise ValidationError(key, body, "not a mapping", "see the examples in docs/flux-v1.md")
        return cls(mode=_parse_mode(key, body))


def _check_keys(section: str, body: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise ValidationError(
            section, extra, "fluxd rejects these keys here", "remove them; allowed: " + ", ".join(sorted(allowed))
        )


def _commands(section: str, items: Any) -> tuple[str, ...]:
    if not isinstance(items, list):
        raise ValidationError(f"{section}.generators", items, "not a list", "write a list of {command: ...} items")
    out = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or "command" not in item:
            raise ValidationError(f"{section}.generators[{index}]", item, "no command", "write '- command: ...'")
        out.append(item["command"])
    return tuple(out)


def _parse_mode(key: str, body: dict[str, Any]) -> Mode:
    if key == "scanForFiles":
        _check_keys(key, body, set())
        return ScanForFiles()
    if key == "patchUpdated":
        _check_keys(key, body, {"generators", "patchFile"})
        if "patchFile" not in body:
            raise ValidationError("patchUpdated.patchFile", None, "required", "name the patch file, such as flux-patch.yaml")
        return PatchUpdated(generators=_commands(key, body.get("generators")), patch_file=body["patchFile"])
    _check_keys(key, body, {"generators", "updaters"})
    updaters = []
    for index, item in enumerate(body.get("updaters") or []):
        if not isinstance(item, dict):
            raise ValidationError(f"{key}.updaters[{index}]", item, "not a mapping", "write containerImage/policy commands")
        image = (item.get("containerImage") or {}).get("command")
        policy = (item.get("policy") or {}).get("command")
        updaters.append(Updater(container_image=image, policy=policy))
    return CommandUpdated(generators=_commands(key, body.get("generators")), updaters=tuple(updaters))
