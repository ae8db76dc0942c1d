"""Start the three services (Rasa, actions, back-office) as real processes on chosen ports, and stop them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "dvc.tar.gz"


@dataclass
class Ports:
    rasa: int
    actions: int
    backoffice: int

    @classmethod
    def free(cls) -> Ports:
        return cls(*free_ports(3))


@dataclass
class Services:
    """The stack on the given ports, with its own var directory (databases, tracker store)."""

    ports: Ports
    var_dir: Path
    auth_token: str = "test-token"
    log_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}"

    @property
    def backoffice_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.backoffice}"

    def _endpoints_file(self) -> Path:
        path = self.var_dir / "endpoints.yml"
        path.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.ports.actions}/webhook"\n'
            f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{self.var_dir / "rasa_tracker.db"}"\n'
        )
        return path

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DVC_VAR_DIR=str(self.var_dir),
            DATABASE_URL=f"sqlite:///{self.var_dir / 'dvc.db'}",
            DVC_BACKOFFICE_HOST="127.0.0.1",
            DVC_BACKOFFICE_PORT=str(self.ports.backoffice),
            DVC_RASA_PUBLIC_URL=self.rasa_url,
            DVC_RASA_URL=self.rasa_url,
            DVC_BACKOFFICE_PUBLIC_URL=self.backoffice_url,
            RASA_TELEMETRY_ENABLED="false",
            TF_CPP_MIN_LOG_LEVEL="3",
            RASA_AUTH_TOKEN=self.auth_token,  # the back-office pushes notifications through Rasa's API
            DVC_NOTIFICATION_POLL_SECONDS="0.5",
        )
        env.update(self.extra_env)
        return env

    @property
    def sms_outbox(self) -> Path:
        return self.var_dir / "sms_outbox.jsonl"

    def _spawn(self, name: str, command: list[str]) -> None:
        log_dir = self.log_dir or self.var_dir
        log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 (kept open for the process's lifetime)
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self._env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start_rasa(self) -> None:
        self._spawn(
            "rasa",
            [
                str(VENV_BIN / "rasa"),
                "run",
                "--model",
                str(MODEL),
                "--endpoints",
                str(self._endpoints_file()),
                "--credentials",
                "credentials.yml",
                "--port",
                str(self.ports.rasa),
                "--enable-api",
                "--auth-token",
                self.auth_token,
                "--cors",
                "*",
            ],
        )

    def start_actions(self) -> None:
        self._spawn(
            "actions",
            [
                str(VENV_BIN / "rasa"),
                "run",
                "actions",
                "--actions",
                "bot.actions",
                "--port",
                str(self.ports.actions),
            ],
        )

    def start_backoffice(self) -> None:
        self._spawn("backoffice", [str(VENV_BIN / "python"), "-m", "backoffice"])

    def start_all(self, timeout: float = 180) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.start_backoffice()  # it creates or upgrades the database first
        self.wait_ready(timeout)
        self.start_actions()
        self.start_rasa()
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 180) -> None:
        checks = {
            "rasa": f"{self.rasa_url}/status?token={self.auth_token}",
            "actions": f"http://127.0.0.1:{self.ports.actions}/health",
            "backoffice": f"{self.backoffice_url}/healthz",
        }
        deadline = time.monotonic() + timeout
        for name, url in checks.items():
            if name not in self.processes:
                continue
            while not _answers(url):
                process = self.processes[name]
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with {process.returncode}; see {self.var_dir}/{name}.log"
                    )
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} not ready after {timeout} s; see {self.var_dir}/{name}.log")
                time.sleep(0.5)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def free_ports(count: int) -> list[int]:
    """Distinct ports that nothing listens on, picked below the kernel's ephemeral range.

    Asking the kernel for port 0 twice can hand back the same port (the first probe is closed by then), and
    an ephemeral port may be taken by an outgoing connection before the service binds it: both broke start-up.
    """
    import random
    import socket

    low, high = 20000, 32000
    ephemeral = Path("/proc/sys/net/ipv4/ip_local_port_range")
    if ephemeral.exists():
        first_ephemeral = int(ephemeral.read_text().split()[0])
        if first_ephemeral > 2000:
            low, high = max(1024, first_ephemeral - 12000), first_ephemeral - 1
    chosen: list[int] = []
    while len(chosen) < count:
        port = random.randint(low, high)
        if port in chosen:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        chosen.append(port)
    return chosen


def post_json(url: str, body: dict, headers: dict | None = None, timeout: float = 60) -> list | dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())
