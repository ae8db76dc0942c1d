"""Start the three services (Rasa, actions, back-office) as real processes on chosen ports, and stop them."""

from __future__ import annotations

import contextlib
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
    # DEBUG, INFO, WARNING: every process's log level (libraries' too); "" keeps each process's default.
    log_level: str = ""
    # The crash tests' fault points (bot/faults.py) can be armed with `arm` (DVC_FAULT_FILE is set).
    fault_injection: bool = False
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    model: Path = MODEL  # the trained Rasa model the server loads (the benchmarks' peers load their own)

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
            # Every simulated citizen writes from 127.0.0.1, fast: the chat limits are tested on their own.
            DVC_CHAT_RATE_PER_ADDRESS="1000000",
            DVC_CHAT_RATE_PER_CONVERSATION="1000000",
        )
        if self.log_level:
            env.update(
                LOG_LEVEL=self.log_level, LOG_LEVEL_LIBRARIES=self.log_level, DVC_LOG_LEVEL=self.log_level
            )
        if self.fault_injection:
            env.update(DVC_FAULT_FILE=str(self.fault_file))
        env.update(DVC_CLOCK_OFFSET_FILE=str(self.clock_offset_file))  # `advance_clock`, instead of sleeping
        env.update(self.extra_env)
        return env

    def _log_flags(self) -> list[str]:
        """Rasa's own flag for the level (the action server ignores LOG_LEVEL)."""
        flag = {"DEBUG": "--debug", "INFO": "--verbose", "WARNING": "--quiet"}.get(self.log_level.upper())
        return [flag] if flag else []

    @property
    def log_files(self) -> list[Path]:
        """Where each process's output (stdout and stderr) goes."""
        log_dir = self.log_dir or self.var_dir
        return [log_dir / f"{name}.log" for name in ("rasa", "actions", "backoffice")]

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
                str(self.model),
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
                *self._log_flags(),
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
                *self._log_flags(),
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

    def wait_ready(
        self, timeout: float = 180, names: tuple[str, ...] = ("rasa", "actions", "backoffice")
    ) -> None:
        checks = {
            "rasa": f"{self.rasa_url}/status?token={self.auth_token}",
            "actions": f"http://127.0.0.1:{self.ports.actions}/health",
            "backoffice": f"{self.backoffice_url}/healthz",
        }
        deadline = time.monotonic() + timeout
        for name, url in checks.items():
            if name not in self.processes or name not in names:
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

    # -- crashes (tests/integration/test_faults.py) ------------------------------------------------------

    def start(self, name: str, timeout: float = 180) -> None:
        """(Re)start one process ("rasa", "actions" or "backoffice") with its usual command and environment,
        and wait until it answers its health URL."""
        {"rasa": self.start_rasa, "actions": self.start_actions, "backoffice": self.start_backoffice}[name]()
        self.wait_ready(timeout, names=(name,))

    def kill(self, name: str) -> None:
        """SIGKILL the process's group: a crash, not a shutdown (none of its own clean-up runs)."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):  # it may have killed itself (a fault point)
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def wait_exit(self, name: str, timeout: float = 60) -> int:
        """Wait for a process to die by itself (at a fault point); its exit status (-9 for SIGKILL)."""
        return self.processes[name].wait(timeout)

    @property
    def fault_file(self) -> Path:
        return self.var_dir / "fault_point"

    def arm(self, point: str, action: str = "kill") -> None:
        """Arm a fault point (bot/faults.py): the first process that reaches it acts once ("kill", "error"
        or "pause")."""
        self.disarm()
        self.fault_file.write_text(f"{point} {action}", encoding="utf-8")

    def fault_fired(self) -> bool:
        return self._fault_marks()[0].exists()

    def fault_reached(self) -> bool:
        """A "pause" fault: whether a process is waiting at the point."""
        return self._fault_marks()[1].exists()

    def release(self) -> None:
        """A "pause" fault: let the waiting process go on."""
        self._fault_marks()[1].unlink(missing_ok=True)

    def disarm(self) -> None:
        for path in (self.fault_file, *self._fault_marks()):
            path.unlink(missing_ok=True)

    def _fault_marks(self) -> tuple[Path, Path]:
        name = self.fault_file.name
        return self.fault_file.with_name(f"{name}.fired"), self.fault_file.with_name(f"{name}.reached")

    # -- time and delivery, without sleeping -------------------------------------------------------------

    @property
    def clock_offset_file(self) -> Path:
        return self.var_dir / "clock_offset"

    def advance_clock(self, seconds: float) -> None:
        """Move the processes' OTP clock forward (bot/offset_clock.py): a code expires, a resend interval
        passes, at once. The offset adds up over the session, as time would."""
        path = self.clock_offset_file
        current = float(path.read_text(encoding="utf-8") or 0) if path.exists() else 0.0
        path.write_text(str(current + seconds), encoding="utf-8")

    def health(self) -> dict:
        with urllib.request.urlopen(f"{self.backoffice_url}/healthz", timeout=30) as response:
            return json.loads(response.read())

    def _delivery_rounds(self, channels: tuple[str, ...]) -> tuple[int | None, dict[str, int]]:
        """(messages still waiting to be sent, the rounds each delivery loop has run so far)."""
        health = self.health()
        notifications = health["notifications"]
        rounds = {"backoffice": notifications["delivery_rounds"]}
        waiting = notifications["waiting"]
        for channel in channels:
            waiting += health["channels"][channel]["waiting"]
            with urllib.request.urlopen(f"{self.rasa_url}/webhooks/{channel}/", timeout=30) as response:
                rounds[channel] = json.loads(response.read())["sending_rounds"]
        return waiting, rounds

    def wait_delivered(self, channels: tuple[str, ...] = (), rounds: int = 3, timeout: float = 60) -> None:
        """Wait until no dossier update (and no message of `channels`) waits to be sent, and then until the
        back-office's delivery loop and each channel's sending loop have run `rounds` more rounds: anything a
        retry would send twice has been sent by then, so a test can count what arrived."""
        deadline = time.monotonic() + timeout
        since: dict[str, int] | None = None
        while time.monotonic() < deadline:
            waiting, now = self._delivery_rounds(channels)
            if waiting:
                since = None  # something is still on its way: count the rounds from when nothing is
            elif since is None:
                since = now
            elif all(now[loop] >= since[loop] + rounds for loop in now):
                return
            time.sleep(0.1)
        raise TimeoutError(f"deliveries not settled after {timeout} s (waiting: {waiting}, rounds: {now})")


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
