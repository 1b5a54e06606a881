"""The image automation loop on real git: publish, a pins commit made with ``images set``, publish again."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cli import run_cli
from gitfixtures import GitWorld, world  # noqa: F401  (fixtures)

MAIN = textwrap.dedent(
    """
    import cdk8s
    from cdk8s_flux.images.automation import ImageAutomation, ImageUpdates
    from cdk8s_flux.images.pins import ImagePins
    from cdk8s_flux.kube import api_object
    from cdk8s_flux.target import GitTarget
    from cdk8s_flux.v2 import FluxSync, GitRepository, GitRepositoryRef, SemverPolicy

    URL = "ssh://git@github.com/example/app"
    app = cdk8s.App()
    flux = cdk8s.Chart(app, "flux")
    FluxSync(flux, "sync", target=GitTarget(url=URL))
    pins = ImagePins.load("images.yaml")
    ImageAutomation(flux, "web", pins=pins, image="ghcr.io/example/web", policy=SemverPolicy(range=">=1.0.0"))
    code = GitRepository(flux, "app-source", url=URL, ref=GitRepositoryRef(branch="main"))
    ImageUpdates(flux, "app-images", source=code, pins=[pins], author_email="flux@example.com", author_name="Flux",
                 {push}message_template="Update images")
    {extra}
    web = cdk8s.Chart(app, "web")
    api_object(web, "deployment", {{
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {{"name": "web", "namespace": "web"}},
        "spec": {{"selector": {{"matchLabels": {{"app": "web"}}}}, "template": {{"metadata": {{"labels": {{"app": "web"}}}},
                 "spec": {{"containers": [{{"name": "web", "image": pins["web"]}}]}}}}}},
    }})
    app.synth()
    """
)
PINS = 'images:\n  web:\n    image: ghcr.io/example/web:1.0.0 # {"$imagepolicy": "flux-system:web"}\n'
DEPLOYMENT = "dist/web/deployment_web_web.yaml"


def _app(world: GitWorld, remote: Path, push: str = "", extra: str = "") -> Path:
    repo = world.root / "source"
    repo.mkdir()
    world.git("init", "--quiet", "--initial-branch", "main", str(repo))
    (repo / "cdk8s.yaml").write_text("app: python main.py\n")
    (repo / "main.py").write_text(MAIN.format(push=push, extra=extra))
    (repo / "images.yaml").write_text(PINS)
    (repo / ".gitignore").write_text("__pycache__/\n")
    world.git("add", "-A", cwd=repo)
    world.git("commit", "--quiet", "-m", "Add the app", cwd=repo)
    world.git("remote", "add", "origin", remote.as_uri(), cwd=repo)
    world.git("push", "--quiet", "origin", "main", cwd=repo)
    return repo


def test_a_new_pin_reaches_the_manifests_branch_and_only_it(world: GitWorld) -> None:
    # GIVEN an app with automation for its web image, published once
    remote = world.bare_remote()
    repo = _app(world, remote)
    assert run_cli("images", "check", cwd=repo, env=world.env).returncode == 0
    first = run_cli("publish", cwd=repo, env=world.env)
    assert first.returncode == 0, first.stderr
    assert "image: ghcr.io/example/web:1.0.0" in world.files(remote)[DEPLOYMENT]
    before = world.files(remote)
    published = world.tip(remote)
    # WHEN the pins file changes as the controller would change it, and that commit reaches main
    result = run_cli("images", "set", "web", "ghcr.io/example/web:1.1.0", cwd=repo, env=world.env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "flux-system:web: ghcr.io/example/web:1.0.0 -> ghcr.io/example/web:1.1.0\n"
    assert (repo / "images.yaml").read_text() == PINS.replace("1.0.0", "1.1.0")
    world.git("commit", "--quiet", "-am", "Update images", cwd=repo)
    world.git("push", "--quiet", "origin", "main", cwd=repo)
    source_tip = world.tip(remote, "main")
    second = run_cli("publish", cwd=repo, env=world.env)
    assert second.returncode == 0, second.stderr
    # THEN the manifests branch gets a commit whose only change is the image line
    after = world.files(remote)
    assert world.git("rev-parse", "manifests~1", cwd=remote).strip() == published
    assert {name for name in after if after[name] != before.get(name)} | (set(before) - set(after)) == {DEPLOYMENT}
    changed = [(a, b) for a, b in zip(before[DEPLOYMENT].splitlines(), after[DEPLOYMENT].splitlines(), strict=True) if a != b]
    assert [(a.strip(), b.strip()) for a, b in changed] == [("- image: ghcr.io/example/web:1.0.0", "- image: ghcr.io/example/web:1.1.0")]
    # AND publish never wrote the source branch
    assert world.tip(remote, "main") == source_tip


def test_automation_aimed_at_the_manifests_branch_is_refused_at_synth(world: GitWorld) -> None:
    # GIVEN an automation that would push to the branch publish writes
    remote = world.bare_remote()
    repo = _app(world, remote, push='push_branch="manifests", update_path=".", ')
    # WHEN the app is published
    result = run_cli("publish", cwd=repo, env=world.env)
    # THEN synth refuses it, naming the automation and the fix, and nothing is written
    assert result.returncode != 0
    assert "ImageUpdateAutomation flux-system/app-images: writes branch 'manifests'" in result.stderr
    assert "push_branch= for a pull request" in result.stderr
    assert world.tip(remote) is None


def test_init_writes_the_entry_and_marker_of_each_automation(world: GitWorld) -> None:
    remote = world.bare_remote()
    repo = _app(world, remote)
    (repo / "images.yaml").unlink()
    result = run_cli("images", "init", "--tag", "1.0.0", cwd=repo, env=world.env)
    assert result.returncode == 0, result.stderr
    text = (repo / "images.yaml").read_text()
    assert text.endswith(PINS) and text.startswith("# Image pins")
    assert run_cli("images", "check", cwd=repo, env=world.env).returncode == 0


def test_init_adds_the_missing_entries_and_keeps_the_others_byte_for_byte(world: GitWorld) -> None:
    # GIVEN a pins file with its own comments, and an app that automates one more image
    remote = world.bare_remote()
    extra = 'ImageAutomation(flux, "api", pins=pins, image="ghcr.io/example/api", policy=SemverPolicy(range="2.x"))'
    repo = _app(world, remote, extra=extra)
    (repo / "images.yaml").write_text("# pinned by hand, then by Flux\n" + PINS)
    # WHEN init adds its entry with name and tag apart
    result = run_cli("images", "init", "--split", "--tag", "2.0.0", cwd=repo, env=world.env)
    # THEN the old text is kept and the new entry carries a marker per part
    assert result.returncode == 0, result.stderr
    assert (repo / "images.yaml").read_text() == (
        "# pinned by hand, then by Flux\n" + PINS + "  api:\n"
        '    name: ghcr.io/example/api # {"$imagepolicy": "flux-system:api:name"}\n'
        '    tag: 2.0.0 # {"$imagepolicy": "flux-system:api:tag"}\n'
    )
    assert "set the image it runs now with 'cdk8s-flux images set api IMAGE'" in result.stderr
    assert run_cli("images", "check", cwd=repo, env=world.env).returncode == 0


def test_check_lists_every_problem_plainly_and_exits_4(world: GitWorld) -> None:
    # GIVEN a pins file whose marker names a policy the app does not define
    remote = world.bare_remote()
    repo = _app(world, remote)
    (repo / "images.yaml").write_text(PINS.replace("flux-system:web", "flux-system:website"))
    # WHEN the checks run alone
    result = run_cli("images", "check", cwd=repo, env=world.env)
    # THEN each problem is one line naming the entry and the fix, without a traceback
    assert result.returncode == 4
    errors = [line for line in result.stderr.splitlines() if line.startswith("cdk8s-flux: error:")]
    assert len(errors) == 2 and all("images.web" in line and "Fix:" in line for line in errors)
    assert "Traceback" not in result.stderr


def test_init_refuses_a_layout_it_cannot_append_to_and_writes_nothing(world: GitWorld) -> None:
    remote = world.bare_remote()
    extra = 'ImageAutomation(flux, "api", pins=pins, image="ghcr.io/example/api", policy=SemverPolicy(range="2.x"))'
    repo = _app(world, remote, extra=extra)
    four = PINS.replace("\n  web:\n    image", "\n    web:\n        image")
    (repo / "images.yaml").write_text(four)
    result = run_cli("images", "init", "--tag", "2.0.0", cwd=repo, env=world.env)
    assert result.returncode == 2
    assert "add these entries under images: by hand: api: / image: ghcr.io/example/api:2.0.0" in result.stderr
    assert (repo / "images.yaml").read_text() == four
