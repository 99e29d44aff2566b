"""The voice studio in a real browser: Debian's chromium driven by Playwright, against `make run`'s app.

The service runs as `python -m scripts.run_local` (what `make run` starts) in its own process, pointed at the
provider fakes, the DashScope enrollment fake and moto's S3 server, all on loopback in this process. The page is
served by the service itself (same origin) and by two static servers on other ports: one origin the API allows,
one it does not. Chromium never downloads anything: Playwright is given Debian's binary, and the launch flags keep
it off the network. A machine that cannot host a browser skips this package with one reason; on CI (CI=true) that
is a failure. A failing test leaves a screenshot of every state it reached under test-artifacts/browser/.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from scripts import REPO_ROOT
from scripts.local_issuer import SigningKey
from tests.conftest import LEAKY_VARIABLES
from testsupport.fakes.clone_support import make_sample
from testsupport.fakes.dashscope_cosyvoice_fake import CosyVoiceFake
from testsupport.fakes.dashscope_enrollment_fake import FakeDashScopeEnrollment
from testsupport.fakes.dashscope_qwen_fake import QwenRealtimeFake
from testsupport.fakes.edge_fake import EdgeFake
from testsupport.fakes.elevenlabs_fake import API_KEY as ELEVENLABS_KEY
from testsupport.fakes.elevenlabs_fake import ElevenLabsFake
from testsupport.fakes.tts_loopback import LoopbackServer
from testsupport.issuer import TEST_AUDIENCE, TEST_ISSUER, running_issuer, users_mode_settings
from testsupport.moto_s3 import running_moto_server
from testsupport.unhostable import group_unhostable_skips

ON_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
NOT_RUN = "browser suite not run on this machine"
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts" / "browser"
WEB_DIR = REPO_ROOT / "web"
DASHSCOPE_KEY = "sk-browser-0123456789"
ELEVENLABS_VOICE = "21m00Tcm4TlvDq8ikWAM"
REGION = "eu-west-1"
# What keeps Debian's Chromium quiet and off the network, plus a fake microphone fed a WAV file.
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]


def not_hostable(reason: object) -> None:
    if ON_CI:
        pytest.fail(f"the browser suite cannot run on CI: {reason}")
    pytest.skip(f"{NOT_RUN}: {reason}")


def chromium_path() -> str:
    """Debian's chromium (OPENTALKING_CHROMIUM overrides); `make browser-deps` installs it."""
    path = os.environ.get("OPENTALKING_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        not_hostable("no chromium binary (install Debian's `chromium` package: `make browser-deps`)")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ---------------------------------------------------------------- the service and its upstreams


@dataclass
class Upstreams:
    edge: EdgeFake
    qwen: QwenRealtimeFake
    cosyvoice: CosyVoiceFake
    elevenlabs: ElevenLabsFake
    enrollment: FakeDashScopeEnrollment
    s3_endpoint: str
    bucket: str
    cache_bucket: str


@dataclass
class Service:
    base_url: str
    upstreams: Upstreams
    log: Path
    http: httpx.Client = field(repr=False)


@pytest.fixture(scope="package")
def upstreams() -> Iterator[Upstreams]:
    edge, elevenlabs = EdgeFake(), ElevenLabsFake()
    qwen, cosyvoice = QwenRealtimeFake(api_key=DASHSCOPE_KEY), CosyVoiceFake(api_key=DASHSCOPE_KEY)
    loopback = (edge, qwen, cosyvoice, elevenlabs)
    for fake in loopback:
        fake.server = LoopbackServer(fake.app).start()
    moto = running_moto_server()
    try:
        s3_endpoint = next(moto)
        bucket, cache_bucket = f"samples-{uuid.uuid4().hex[:12]}", f"speech-cache-{uuid.uuid4().hex[:12]}"
        # Session fixtures run before the per-test offline environment: name the stand-in credentials here.
        s3 = boto3.client(
            "s3",
            endpoint_url=s3_endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for name in (bucket, cache_bucket):
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        with FakeDashScopeEnrollment(api_key=DASHSCOPE_KEY) as enrollment:
            yield Upstreams(edge, qwen, cosyvoice, elevenlabs, enrollment, s3_endpoint, bucket, cache_bucket)
    finally:
        moto.close()
        for fake in loopback:
            fake.server.stop()  # type: ignore[union-attr]


@pytest.fixture(scope="package")
def origins() -> dict[str, str]:
    """The ports of the page's two other origins are chosen before the service starts: its CORS list names one."""
    return {"allowed": f"http://127.0.0.1:{free_port()}", "refused": f"http://127.0.0.1:{free_port()}"}


@pytest.fixture(scope="package")
def service(
    upstreams: Upstreams, origins: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """`make run`'s process (scripts.run_local), with every upstream pointed at a loopback fake."""
    with running_service(upstreams, origins, tmp_path_factory.mktemp("service")) as running:
        yield running


@dataclass
class SignedInService:
    """`make run`'s app in the users mode, trusting a loopback issuer whose tokens the tests mint."""

    service: Service
    key: SigningKey

    def token(self, user: str) -> str:
        return self.key.token(user, issuer=TEST_ISSUER, audience=TEST_AUDIENCE)


@pytest.fixture(scope="package")
def signed_in_service(
    upstreams: Upstreams, origins: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SignedInService]:
    with running_issuer() as (key, jwks):
        auth = users_mode_settings(jwks)
        with running_service(upstreams, origins, tmp_path_factory.mktemp("signed-in"), auth) as running:
            yield SignedInService(running, key)


@dataclass
class LocallySignedInService:
    """`make run AUTH=users`: the app and the local issuer it starts, whose sign-in page the studio leads to."""

    service: Service
    issuer_url: str


@pytest.fixture(scope="package")
def locally_signed_in_service(
    upstreams: Upstreams, origins: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocallySignedInService]:
    directory = tmp_path_factory.mktemp("local-issuer")
    issuer_port = free_port()
    # The issuer's key under this directory, not the repository's .data/
    key = {"OPENTALKING_LOCAL_ISSUER_KEY": str(directory / "signing-key.pem")}
    arguments = ["--auth", "users", "--issuer-port", str(issuer_port)]
    with running_service(upstreams, origins, directory, key, arguments) as running:
        yield LocallySignedInService(running, f"http://127.0.0.1:{issuer_port}")


@contextmanager
def running_service(
    upstreams: Upstreams,
    origins: dict[str, str],
    directory: Path,
    extra: dict[str, str] | None = None,
    arguments: list[str] | None = None,
) -> Iterator[Service]:
    port = free_port()
    environment = {name: value for name, value in os.environ.items() if name not in LEAKY_VARIABLES}
    environment.update(
        {
            "PYTHONPATH": str(REPO_ROOT),
            "NO_PROXY": "127.0.0.1,localhost",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL_S3": upstreams.s3_endpoint,
            "OPENTALKING_SAMPLES_BUCKET": upstreams.bucket,
            "OPENTALKING_SPEECH_CACHE_BUCKET": upstreams.cache_bucket,
            "OPENTALKING_SQLITE_PATH": str(directory / "voices.sqlite3"),
            "OPENTALKING_CORS_ALLOW_ORIGINS": origins["allowed"],
            "OPENTALKING_TTS_PROVIDER": "espeak",
            "OPENTALKING_TTS_PREVIEW_TIMEOUT_SECONDS": "5",
            "OPENTALKING_EDGE_TTS_URL": upstreams.edge.url,
            "OPENTALKING_EDGE_VOICE_LIST_URL": upstreams.edge.voice_list_url,
            "OPENTALKING_QWEN_TTS_WS_URL": upstreams.qwen.url,
            "DASHSCOPE_WEBSOCKET_BASE_URL": upstreams.cosyvoice.url,
            "DASHSCOPE_HTTP_BASE_URL": upstreams.enrollment.base_url,
            "DASHSCOPE_API_KEY": DASHSCOPE_KEY,
            # A CosyVoice clone asks for its status once and answers: the studio follows a voice still deploying.
            "OPENTALKING_COSYVOICE_DEPLOY_WAIT_SECONDS": "0",
            "OPENTALKING_TTS_ELEVENLABS_BASE_URL": upstreams.elevenlabs.server.base_url,  # type: ignore[union-attr]
            "OPENTALKING_TTS_ELEVENLABS_API_KEY": ELEVENLABS_KEY,
            "OPENTALKING_TTS_ELEVENLABS_VOICE_ID": ELEVENLABS_VOICE,
            **(extra or {}),
        }
    )
    log = directory / "service.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "scripts.run_local", "--host", "127.0.0.1", "--port", str(port), *(arguments or [])],
            cwd=REPO_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base_url, timeout=30.0) as http:
            wait_until_serving(http, process, log)
            yield Service(base_url, upstreams, log, http)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def wait_until_serving(http: httpx.Client, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"make run's app exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            if http.get("/studio/").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"make run's app did not start within 60 s: {log.read_text(errors='replace')[-3000:]}")


# ---------------------------------------------------------------- the page on other origins


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture(scope="package")
def static_origins(
    service: Service, origins: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """web/ served by plain static servers on the two other origins, configured with the API's absolute URL (as a
    CloudFront deployment is)."""
    site = tmp_path_factory.mktemp("site") / "web"
    shutil.copytree(WEB_DIR, site)
    (site / "config.json").write_text(json.dumps({"apiBaseUrl": service.base_url}), encoding="utf-8")
    servers = []
    for origin in origins.values():
        port = int(origin.rsplit(":", 1)[1])
        server = ThreadingHTTPServer(("127.0.0.1", port), partial(_QuietFiles, directory=str(site)))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        servers.append(server)
    try:
        yield {name: f"{origin}/" for name, origin in origins.items()}
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="package")
def microphone_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the fake microphone hears (Chromium loops it): a tone, as a WAV file at an absolute path."""
    path = tmp_path_factory.mktemp("microphone") / "microphone.wav"
    path.write_bytes(make_sample("wav", seconds=8.0, sample_rate=48_000, channels=1))
    return path.resolve()


@pytest.fixture(scope="package")
def browser(microphone_wav: Path) -> Iterator[Any]:
    """Package-scoped on purpose: while Playwright's sync API is open, this thread counts as running its event loop,
    which would break every later test that runs one (Mangum, edge-tts)."""
    executable = chromium_path()
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        not_hostable(f"the playwright package is missing ({error}); `make venv` installs it")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=executable,
                args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-audio-capture={microphone_wav}"],
                timeout=60_000,
            )
        except PlaywrightError as error:
            not_hostable(f"chromium at {executable} does not start: {str(error).splitlines()[0]}")
        yield browser
        browser.close()


@dataclass
class Studio:
    """One page of the studio, with what the browser reported and a screenshot of each state reached."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    expected_console: list[str] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    states: list[tuple[str, bytes]] = field(default_factory=list)

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready=true]", state="attached", timeout=30_000)
        self.snap("loaded")

    def snap(self, state: str) -> None:
        self.states.append((state, self.page.screenshot(full_page=True)))

    def expect_console_error(self, fragment: str) -> None:
        """A console error the browser itself prints for a failure the test provokes (e.g. a 502 response)."""
        self.expected_console.append(fragment)

    def unexpected_console_errors(self) -> list[str]:
        return [text for text in self.console_errors if not any(part in text for part in self.expected_console)]

    def player(self, selector: str = "#player") -> dict[str, Any]:
        return dict(
            self.page.eval_on_selector(
                selector,
                "audio => ({duration: audio.duration, paused: audio.paused, readyState: audio.readyState,"
                " ended: audio.ended, currentTime: audio.currentTime, src: audio.currentSrc})",
            )
        )


@pytest.fixture
def studio(browser: Any, request: pytest.FixtureRequest) -> Iterator[Studio]:
    viewport = getattr(request, "param", None) or {"width": 1024, "height": 900}
    context = browser.new_context(locale="en-US", viewport=viewport)
    context.grant_permissions(["microphone"])
    page = context.new_page()
    page.set_default_timeout(30_000)
    studio = Studio(page)
    page.on("console", lambda message: message.type == "error" and studio.console_errors.append(message.text))
    page.on("pageerror", lambda error: studio.console_errors.append(f"uncaught: {error}"))
    page.on("request", lambda sent: studio.requests.append((sent.method, sent.url)))
    request.node.studio = studio
    try:
        yield studio
        # THEN, whatever the test did: the page logged nothing unexpected
        assert studio.unexpected_console_errors() == []
    finally:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    group_unhostable_skips(report, item, __file__, not_hostable, NOT_RUN)
    studio = getattr(item, "studio", None)
    if report.failed and isinstance(studio, Studio):
        save_states(item, studio)
        report.sections.append(("browser console errors", "\n".join(studio.console_errors) or "(none)"))
    service = getattr(item, "funcargs", {}).get("service")
    if report.failed and isinstance(service, Service):
        lines = service.log.read_text(encoding="utf-8", errors="replace").splitlines()
        report.sections.append(("make run's log (last 40 lines)", "\n".join(lines[-40:])))
    return report


def save_states(item: pytest.Item, studio: Studio) -> None:
    """Every state the test reached, then the page as the failure left it (test-artifacts/browser/<test>/)."""
    directory = ARTIFACTS_DIR / item.name.replace("/", "_")
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for index, (state, png) in enumerate(studio.states, start=1):
        (directory / f"{index:02d}-{state}.png").write_bytes(png)
    try:
        (directory / f"{len(studio.states) + 1:02d}-at-failure.png").write_bytes(studio.page.screenshot(full_page=True))
    except Exception as error:  # the page may be gone; the earlier states are still worth keeping
        (directory / "at-failure.txt").write_text(f"no final screenshot: {error}\n", encoding="utf-8")
