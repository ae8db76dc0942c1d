"""deploy/: the cluster profile as docker-compose and Kubernetes manifests. They are not run here (no
container runtime or Kubernetes on the build machine); this lints them and checks they describe the same
topology as scripts/cluster.sh: 2 Rasa + 2 action servers + 2 back-offices, one migration, rate limits."""

from __future__ import annotations

import re

import yaml
from yamllint import linter
from yamllint.config import YamlLintConfig

from bot.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
LINT = YamlLintConfig(
    "extends: default\nrules:\n  line-length: {max: 120}\n  document-start: disable\n"
    "  comments: {min-spaces-from-content: 1}\n  braces: {max-spaces-inside: 1}\n"
)
FILES = [
    DEPLOY / "docker-compose.yml",
    DEPLOY / "kubernetes" / "dvc.yaml",
    PROJECT_ROOT / "endpoints.production.yml",
]


def test_the_deployment_files_pass_yamllint():
    problems = [
        f"{path.relative_to(PROJECT_ROOT)}:{problem.line}: {problem.desc}"
        for path in FILES
        for problem in linter.run(path.read_text(), LINT)
        if problem.level == "error"
    ]
    assert problems == []


def test_compose_runs_the_cluster_topology_from_the_environment():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "nginx", "migrate"} <= set(services)
    for role in ("rasa", "actions", "backoffice"):
        assert {f"{role}-1", f"{role}-2"} <= set(services)
        assert "migrate" in services[f"{role}-1"]["depends_on"]
    rasa = services["rasa-1"]
    assert (
        "endpoints.production.yml" in rasa["command"] and rasa["environment"]["DVC_PROFILE"] == "production"
    )
    secrets = ("RASA_AUTH_TOKEN", "DVC_OTP_SECRET", "DVC_SMS_HTTP_TOKEN", "POSTGRES_PASSWORD")
    text = (DEPLOY / "docker-compose.yml").read_text()
    for secret in secrets:
        assert f"${{{secret}}}" in text  # from the environment, never written in the file


def test_kubernetes_runs_two_of_each_and_migrates_once():
    documents = [
        document for document in yaml.safe_load_all((DEPLOY / "kubernetes" / "dvc.yaml").read_text())
    ]
    kinds = {(document["kind"], document["metadata"]["name"]) for document in documents}
    for name in ("rasa", "actions", "backoffice"):
        assert ("Deployment", name) in kinds and ("Service", name) in kinds
    replicas = {d["metadata"]["name"]: d["spec"]["replicas"] for d in documents if d["kind"] == "Deployment"}
    assert replicas == {"rasa": 2, "actions": 2, "backoffice": 2}
    assert ("Job", "dvc-migrate") in kinds
    limits = [d["metadata"].get("annotations", {}) for d in documents if d["kind"] == "Ingress"]
    assert any("nginx.ingress.kubernetes.io/limit-rps" in annotations for annotations in limits)
    assert any("nginx.ingress.kubernetes.io/limit-rpm" in annotations for annotations in limits)


def test_both_nginx_configurations_limit_the_chat_and_the_sign_in():
    for name in ("dvc-cluster.conf.template", "dvc-compose.conf"):
        text = (DEPLOY / "nginx" / name).read_text()
        for route in ("= /webhooks/rest/webhook", "= /officer/login", "= /api/auth/token"):
            block = text.split(f"location {route}", 1)[1].split("}", 1)[0]
            assert "limit_req zone=" in block, (name, route)
    compose = (DEPLOY / "nginx" / "dvc-compose.conf").read_text()
    upstreams = set(re.findall(r"server ([a-z]+-\d):\d+;", compose))
    assert upstreams == {f"{role}-{n}" for role in ("rasa", "actions", "backoffice") for n in (1, 2)}
