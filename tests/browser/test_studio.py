"""The voice studio as a person uses it, in headless Chromium: audition every provider, clone by recording and by a
large file, preview with and delete the clone, call the API cross-origin, and stay usable on a phone, by keyboard
and in Chinese."""

from __future__ import annotations

import io
import re
import wave
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ELEVENLABS_VOICE, Service, Studio
from testsupport.fakes.clone_support import bucket_keys, make_sample
from testsupport.fakes.edge_fake import VOICE_LIST

pytestmark = pytest.mark.slow
# The loopback fakes speak 1.0 s of tone; resampling may move the end by a few milliseconds.
FAKE_AUDIO_SECONDS = 1.0
DIRECT_MAX_BYTES = 4_500_000
PLAYING = "audio => audio.duration > 0 && (!audio.paused || audio.ended)"


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as reader:
        return reader.getnframes() / reader.getframerate()


def play(studio: Studio) -> dict[str, Any]:
    # The player may still hold the previous clip, already playing: wait for the new one (a new object URL)
    previous = studio.page.eval_on_selector("#player", "audio => audio.currentSrc")
    studio.page.click("#play")
    studio.page.wait_for_function(
        f"previous => {{ const audio = document.getElementById('player'); "
        f"return audio.currentSrc !== previous && ({PLAYING})(audio); }}",
        arg=previous,
    )
    studio.snap("playing")
    return studio.player()


def catalog_row(studio: Studio, label: str) -> Any:
    return studio.page.locator("#catalog li", has_text=label)


@pytest.mark.parametrize("provider", ["edge", "dashscope", "cosyvoice", "elevenlabs", "espeak"])
def test_audition_plays_each_provider(studio: Studio, service: Service, provider: str) -> None:
    # GIVEN the studio, with the voice lists it got from the service
    studio.open(f"{service.base_url}/")
    page = studio.page
    assert page.inner_text("#text-limit") == "31 / 240 characters"

    # WHEN a person picks a provider and presses Play
    page.select_option("#provider", provider)
    voices = page.eval_on_selector_all("#voice option", "options => options.map(option => option.value)")
    audio = play(studio)

    # THEN the WAV plays in the page's audio element, for as long as the provider spoke
    assert audio["readyState"] >= 1 and audio["src"].startswith("blob:")
    if provider == "espeak":
        assert 0.5 < audio["duration"] < 5
        assert {"en-us", "cmn", "yue"} <= set(voices)
    else:
        assert audio["duration"] == pytest.approx(FAKE_AUDIO_SECONDS, abs=0.05)
    assert re.fullmatch(
        r"Playing \d+\.\d s of audio\. (Synthesized, and kept in the preview cache|From the preview cache)\.",
        page.inner_text("#audition-status"),
    )
    assert page.is_hidden("#audition-error")
    upstreams = service.upstreams
    if provider == "edge":
        # The list is Edge's live one (from the fake), and the chosen voice is what Edge was asked for
        assert {voice["ShortName"] for voice in VOICE_LIST} <= set(voices)
        assert upstreams.edge.calls[-1].voice is not None and "XiaoxiaoNeural" in upstreams.edge.calls[-1].voice
    if provider == "dashscope":
        assert upstreams.qwen.calls[-1].session["voice"] == "Cherry"
        assert upstreams.qwen.calls[-1].model == "qwen3-tts-flash-realtime"
    if provider == "elevenlabs":
        assert upstreams.elevenlabs.calls[-1].voice_id == ELEVENLABS_VOICE


def test_a_repeated_audition_comes_from_the_preview_cache(studio: Studio, service: Service) -> None:
    # GIVEN an Edge voice auditioned once with a new text
    studio.open(f"{service.base_url}/")
    page, edge = studio.page, service.upstreams.edge
    page.select_option("#provider", "edge")
    page.fill("#text", "Twice the same sentence, once from Edge.")
    first = play(studio)
    assert page.inner_text("#audition-status").endswith("Synthesized, and kept in the preview cache.")
    calls = len(edge.calls)

    # WHEN it is auditioned again
    page.eval_on_selector("#player", "player => { player.removeAttribute('src'); player.load(); }")
    second = play(studio)

    # THEN the same audio plays, the page says it came from the cache, and Edge was not asked again
    assert page.inner_text("#audition-status").endswith("From the preview cache.")
    assert second["duration"] == pytest.approx(first["duration"])
    assert len(edge.calls) == calls


def test_an_upstream_failure_shows_the_services_detail_exactly(studio: Studio, service: Service) -> None:
    # GIVEN Edge answering 503 to everything, and a text never previewed before (a cached preview needs no Edge)
    edge = service.upstreams.edge
    edge.mode = "http_503"
    text = "This preview meets a failing Edge."
    try:
        expected = service.http.post("/tts/preview", json={"text": text, "provider": "edge"}).json()["detail"]
        studio.open(f"{service.base_url}/studio/")
        studio.expect_console_error("status of 502")

        # WHEN a person auditions an Edge voice
        studio.page.select_option("#provider", "edge")
        studio.page.fill("#text", text)
        studio.page.click("#play")
        studio.page.wait_for_selector("#audition-error:not([hidden])")
        studio.snap("upstream-error")
    finally:
        edge.mode = "ok"

    # THEN the page shows the service's detail, word for word, and no stale audio
    assert expected.startswith("The edge provider failed")
    assert studio.page.inner_text("#audition-error") == expected
    assert studio.player()["src"] == ""
    assert studio.page.inner_text("#audition-status") == ""


def test_clone_by_recording_then_preview_with_it_and_delete_it(studio: Studio, service: Service) -> None:
    enrollment = service.upstreams.enrollment
    samples_before = len(enrollment.fetched_samples)
    studio.open(f"{service.base_url}/")
    page = studio.page
    label = "Recorded voice 录音"
    page.fill("#display-label", label)

    # WHEN a person records about four seconds from the (fake) microphone
    page.click("#record")
    page.wait_for_selector("#record.recording")
    page.wait_for_function("document.getElementById('sample-info').textContent.startsWith('Recording… 4')")
    studio.snap("recording")
    page.click("#record")
    page.wait_for_selector("#sample-info >> text=/^Recording: /")
    studio.snap("recorded")

    # THEN the sample is described before it is sent: duration, size and the recorder's own container
    info = page.inner_text("#sample-info")
    match = re.fullmatch(r"Recording: (\d+\.\d) s, ([\d.]+) KB, (audio/webm;codecs=opus)", info)
    assert match, info
    recorded_seconds = float(match.group(1))
    assert 3.5 < recorded_seconds < 8

    # WHEN it is cloned (DashScope, directly: it is far below 4.5 MB)
    page.click("#clone-submit")
    page.wait_for_selector("#clone-status >> text=/^Cloned/")
    studio.snap("cloned")

    # THEN the service's message is shown, and the provider received the recording, converted
    status = page.inner_text("#clone-status")
    assert status.endswith(
        "Voice cloned with DashScope Qwen voice enrollment; use voice_id with the same target_model."
    ), status
    assert len(enrollment.fetched_samples) == samples_before + 1
    assert wav_seconds(enrollment.fetched_samples[-1]) == pytest.approx(recorded_seconds, abs=0.6)
    assert ("POST", f"{service.base_url}/voices/uploads") not in studio.requests
    (entry,) = [item for item in service.http.get("/voices").json()["items"] if item["display_label"] == label]
    assert entry["voice_id"] in status

    # AND the clone is in the catalog, where it previews with its own model
    row = catalog_row(studio, label)
    row.wait_for()
    assert entry["voice_id"] in row.inner_text()
    row.get_by_role("button", name=f"Preview: {label}").click()
    page.wait_for_function(f"({PLAYING})(document.getElementById('player'))")
    studio.snap("previewing-clone")
    call = service.upstreams.qwen.calls[-1]
    assert (call.session["voice"], call.model) == (entry["voice_id"], entry["target_model"])
    assert page.input_value("#model") == entry["target_model"]
    assert studio.player()["duration"] == pytest.approx(FAKE_AUDIO_SECONDS, abs=0.05)

    # WHEN it is deleted, after confirming
    row.get_by_role("button", name=f"Delete: {label}").click()
    page.wait_for_selector("#confirm-delete[open]")
    assert label in page.inner_text("#confirm-delete-text")
    studio.snap("confirm-delete")
    page.locator("#confirm-delete").get_by_role("button", name="Delete").click()
    page.wait_for_selector("#catalog-status >> text=/^Deleted/")
    studio.snap("deleted")

    # THEN it is gone from the page and from the catalog
    assert catalog_row(studio, label).count() == 0
    assert all(item["id"] != entry["id"] for item in service.http.get("/voices").json()["items"])


def test_clone_with_a_recorded_consent_statement_lists_it_and_lets_its_owner_listen(
    studio: Studio, service: Service
) -> None:
    upstreams = service.upstreams
    statements_before = set(consent_objects(upstreams.s3_endpoint, upstreams.bucket))
    studio.open(f"{service.base_url}/")
    page = studio.page
    label = "Voice with a consent statement"
    page.fill("#display-label", label)
    page.fill("#consent-speaker", "Alice Example")
    page.check("#consent-affirmed")

    # WHEN a person records a sample, then the speaker's consent statement, from the (fake) microphone
    page.click("#record")
    page.wait_for_function("document.getElementById('sample-info').textContent.startsWith('Recording… 4')")
    page.click("#record")
    page.wait_for_selector("#sample-info >> text=/^Recording: /")
    page.click("#record-statement")
    page.wait_for_selector("#record-statement.recording")
    page.wait_for_function("document.getElementById('statement-info').textContent.startsWith('Recording… 2')")
    page.click("#record-statement")
    page.wait_for_selector("#statement-info >> text=/^Consent statement — Recording: /")
    studio.snap("statement-recorded")
    assert re.search(r"Recording: (\d+\.\d) s, [\d.]+ KB, audio/webm", page.inner_text("#statement-info"))

    # AND clones
    page.click("#clone-submit")
    page.wait_for_selector("#clone-status >> text=/^Cloned/")

    # THEN the catalog lists the voice with its consent statement, and its owner can listen to it
    row = catalog_row(studio, label)
    row.wait_for()
    assert re.search(r"consent statement \d+\.\d s", row.inner_text()), row.inner_text()
    row.get_by_role("button", name=f"Play consent statement: {label}").click()
    page.wait_for_function("document.getElementById('statement-playback').duration > 1.5")
    studio.snap("statement-playing")
    (entry,) = [item for item in service.http.get("/voices").json()["items"] if item["display_label"] == label]
    assert entry["consent"]["speaker"] == "Alice Example" and entry["consent"]["statement"]["duration_seconds"] > 1.5
    (stored,) = set(consent_objects(upstreams.s3_endpoint, upstreams.bucket)) - statements_before

    # AND deleting the voice deletes the statement
    assert service.http.delete(f"/voices/{entry['id']}").status_code == 200
    assert stored not in consent_objects(upstreams.s3_endpoint, upstreams.bucket)


def consent_objects(endpoint: str, bucket: str) -> list[str]:
    return [key for key in bucket_keys(endpoint, bucket) if key.startswith("consent/")]


def test_clone_a_file_over_4_5_mb_through_the_upload_path(studio: Studio, service: Service, tmp_path: Path) -> None:
    # GIVEN a 30-second stereo WAV of 5.8 MB: too large to go through API Gateway directly
    sample = tmp_path / "long sample.wav"
    sample.write_bytes(make_sample("wav", seconds=30.0, sample_rate=48_000, channels=2))
    assert sample.stat().st_size > DIRECT_MAX_BYTES
    studio.open(f"{service.base_url}/")
    page = studio.page
    label = "Large file voice"
    page.select_option("#clone-provider", "cosyvoice")
    assert page.input_value("#target-model") == "cosyvoice-v2"
    page.fill("#display-label", label)

    # WHEN a person picks it
    page.set_input_files("#sample-file", str(sample))
    page.wait_for_selector("#sample-info >> text=/^File: /")
    assert page.inner_text("#sample-info") == "File: 30.0 s, 5.49 MB, audio/wav"
    studio.snap("file-picked")
    page.click("#clone-submit")
    page.wait_for_selector("#clone-status >> text=/^Cloned/")
    studio.snap("cloned")

    # THEN the page took the upload path: a presigned POST to S3, then the clone by upload_id
    posts = [url for method, url in studio.requests if method == "POST"]
    assert posts.index(f"{service.base_url}/voices/uploads") < posts.index(f"{service.base_url}/voices/clone")
    assert any(url.startswith(service.upstreams.s3_endpoint) for url in posts)
    (entry,) = [item for item in service.http.get("/voices").json()["items"] if item["display_label"] == label]
    assert entry["provider"] == "cosyvoice" and entry["voice_id"] in page.inner_text("#clone-status")

    # AND the catalog filter finds it under its provider only
    page.select_option("#catalog-filter", "cosyvoice")
    catalog_row(studio, label).wait_for()
    page.select_option("#catalog-filter", "dashscope")
    page.wait_for_function(
        "label => ![...document.querySelectorAll('#catalog li')].some(li => li.textContent.includes(label))", arg=label
    )
    page.select_option("#catalog-filter", "")

    # WHEN the deletion is cancelled, nothing is deleted; confirmed, the voice is gone
    row = catalog_row(studio, label)
    row.get_by_role("button", name=f"Delete: {label}").click()
    page.locator("#confirm-delete").get_by_role("button", name="Cancel").click()
    assert page.is_hidden("#confirm-delete")
    assert any(item["id"] == entry["id"] for item in service.http.get("/voices").json()["items"])
    row.get_by_role("button", name=f"Delete: {label}").click()
    page.keyboard.press("Tab")  # Cancel has the focus: Tab moves to Delete, Enter confirms
    page.keyboard.press("Enter")
    page.wait_for_selector("#catalog-status >> text=/^Deleted/")
    assert all(item["id"] != entry["id"] for item in service.http.get("/voices").json()["items"])


def test_the_page_on_an_allowed_origin_calls_the_api_cross_origin(
    studio: Studio, service: Service, static_origins: dict[str, str]
) -> None:
    # GIVEN the page served elsewhere (as CloudFront serves it), configured with the API's URL
    studio.open(static_origins["allowed"])
    page = studio.page

    # THEN it got its lists from the API, and an audition works
    assert page.eval_on_selector_all("#provider option", "options => options.length") == 5
    assert page.input_value("#provider") == "espeak"
    audio = play(studio)
    assert 0.5 < audio["duration"] < 5
    api_calls = [url for _, url in studio.requests if url.startswith(service.base_url)]
    assert f"{service.base_url}/tts/voices" in api_calls and f"{service.base_url}/tts/preview" in api_calls
    assert page.is_hidden("#page-error")


def test_the_page_on_a_refused_origin_says_why_it_cannot_work(
    studio: Studio, service: Service, static_origins: dict[str, str]
) -> None:
    # GIVEN an origin the API's CORS allow-list does not name; the browser reports the refusals itself
    studio.expect_console_error("blocked by CORS policy")
    studio.expect_console_error("net::ERR_FAILED")
    origin = static_origins["refused"].rstrip("/")

    studio.open(static_origins["refused"])
    page = studio.page
    page.wait_for_selector("#page-error:not([hidden])")

    # THEN the person reads what is wrong, not silence
    expected = (
        f"The voice lists could not be loaded: The API at {service.base_url} could not be reached: it is down, "
        f"or it does not allow this page's origin ({origin}) in its CORS settings."
    )
    assert page.inner_text("#page-error") == expected
    assert origin in page.inner_text("#catalog-error")
    assert page.is_disabled("#play")


def test_the_consent_checkbox_sits_beside_its_words(studio: Studio, service: Service) -> None:
    studio.open(f"{service.base_url}/")
    box = studio.page.locator("#consent-affirmed").bounding_box()
    words = studio.page.locator("label.check:has(#consent-affirmed) span").bounding_box()
    assert box is not None and words is not None
    # A checkbox-sized box (not stretched like the text fields), left of its words, on their line
    assert box["width"] <= 32 and box["height"] <= 32, box
    assert box["x"] + box["width"] <= words["x"]
    assert abs((box["y"] + box["height"] / 2) - (words["y"] + words["height"] / 2)) < words["height"]


@pytest.mark.parametrize("studio", [{"width": 375, "height": 740}], indirect=True, ids=["phone"])
def test_a_phone_screen_the_keyboard_and_chinese(studio: Studio, service: Service) -> None:
    studio.open(f"{service.base_url}/")
    page = studio.page

    # THEN nothing is wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # WHEN a person only uses the keyboard: from the text, Tab reaches Play, and Enter plays
    page.focus("#text")
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "play":
            break
    assert page.evaluate("document.activeElement.id") == "play"
    page.keyboard.press("Enter")
    page.wait_for_function(f"({PLAYING})(document.getElementById('player'))")

    # WHEN the page is switched to Chinese
    page.click("#language")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.inner_text("#audition-heading") == "试听"
    assert page.input_value("#text") == "你好，我正在测试音色。"
    assert page.inner_text("#text-limit") == "11 / 240 个字符"

    # THEN Chinese text is auditioned with a Mandarin voice
    page.select_option("#voice", "cmn")
    audio = play(studio)
    assert 0.5 < audio["duration"] < 6
    assert page.inner_text("#audition-status").startswith("正在播放")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


# ---------------------------------------------------------------- a clone's status (the voice lifecycle)


def clone_cosyvoice_file(studio: Studio, service: Service, label: str, sample: Path) -> dict[str, Any]:
    """Clone `sample` with CosyVoice through the page; return the catalog entry the service made."""
    sample.write_bytes(make_sample("wav", seconds=5.0))
    page = studio.page
    page.select_option("#clone-provider", "cosyvoice")
    page.fill("#display-label", label)
    page.set_input_files("#sample-file", str(sample))
    page.wait_for_selector("#sample-info >> text=/^File: /")
    page.click("#clone-submit")
    page.wait_for_selector("#clone-status >> text=/^Cloned/")
    (entry,) = [item for item in service.http.get("/voices").json()["items"] if item["display_label"] == label]
    return dict(entry)


def voice_checks(studio: Studio, service: Service, entry: dict[str, Any]) -> int:
    """How often the page asked GET /voices/{entry_id} (each ask of a deploying voice is a provider query)."""
    return studio.requests.count(("GET", f"{service.base_url}/voices/{entry['id']}"))


def status_label(studio: Studio, label: str) -> Any:
    return catalog_row(studio, label).locator(".status-label")


def wait_for_catalog_status(studio: Studio, label: str, status: str) -> None:
    """Until the catalog lists the voice named `label` with `status` (the list is re-rendered, not reloaded)."""
    studio.page.wait_for_function(
        "([label, status]) => [...document.querySelectorAll('#catalog li')].some(li =>"
        " li.textContent.includes(label) && li.querySelector('.status-label')?.textContent === status)",
        arg=[label, status],
    )


def test_a_deploying_clone_is_followed_until_it_is_ready(studio: Studio, service: Service, tmp_path: Path) -> None:
    # GIVEN DashScope building a CosyVoice voice for four status queries (the clone itself asks once), then done
    enrollment = service.upstreams.enrollment
    enrollment.deploy_statuses = ["DEPLOYING"] * 3 + ["OK"]
    queries = enrollment.action_count("query_voice")
    studio.open(f"{service.base_url}/")
    page = studio.page
    page.evaluate("window.loadedOnce = true")
    label = "Deploying voice"
    try:
        # WHEN a person clones a voice
        entry = clone_cosyvoice_file(studio, service, label, tmp_path / "sample.wav")
    finally:
        enrollment.deploy_statuses = ["OK"]

    # THEN the service's message says it is still deploying, the page says so in its status region, and the
    # catalog lists the voice as deploying
    assert entry["status"] == "deploying"
    assert page.inner_text("#clone-status").endswith("(GET /voices/{entry_id} shows its status).")
    page.get_by_role("status").filter(has_text=f"“{label}” is being built by its provider…").wait_for()
    assert status_label(studio, label).inner_text() == "deploying"
    studio.snap("deploying")

    # THEN, without a reload, the page asks again until DashScope says the voice is built, and says it is ready
    page.get_by_role("status").filter(has_text=f"“{label}” is ready.").wait_for()
    wait_for_catalog_status(studio, label, "ready")
    studio.snap("ready")
    assert page.evaluate("window.loadedOnce") is True
    # One GET /voices/{entry_id} per provider query, none after the final status
    assert voice_checks(studio, service, entry) == 3
    assert enrollment.action_count("query_voice") == queries + 4
    assert service.http.get(f"/voices/{entry['id']}").json()["status"] == "ready"
    assert page.is_hidden("#clone-error")
    assert service.http.delete(f"/voices/{entry['id']}").status_code == 200


def test_a_clone_its_provider_cannot_build_is_shown_failed(studio: Studio, service: Service, tmp_path: Path) -> None:
    # GIVEN DashScope giving up on a CosyVoice voice after deploying it for a while (UNDEPLOYED)
    enrollment = service.upstreams.enrollment
    enrollment.deploy_statuses = ["DEPLOYING", "DEPLOYING", "UNDEPLOYED"]
    studio.open(f"{service.base_url}/")
    page = studio.page
    label = "Undeployed voice"
    try:
        # WHEN a person clones a voice
        entry = clone_cosyvoice_file(studio, service, label, tmp_path / "sample.wav")
    finally:
        enrollment.deploy_statuses = ["OK"]
    page.get_by_role("status").filter(has_text=f"“{label}” is being built").wait_for()

    # THEN the page says the provider could not build it, what to do, and the catalog lists it as failed
    failed = f"The provider could not build “{label}”; try another sample, and delete this voice to free its slot."
    page.get_by_role("status").filter(has_text=failed).wait_for()
    wait_for_catalog_status(studio, label, "failed")
    studio.snap("failed")
    assert voice_checks(studio, service, entry) == 2
    assert service.http.get(f"/voices/{entry['id']}").json()["status"] == "failed"

    # AND in Chinese, the status line and the catalog say the same
    page.click("#language")
    assert page.inner_text("#voice-status") == f"服务商未能生成“{label}”；请换一个样本，并删除此音色以释放名额。"
    assert status_label(studio, label).inner_text() == "失败"
    studio.snap("failed-zh")
    assert service.http.delete(f"/voices/{entry['id']}").status_code == 200


def test_the_page_stops_following_a_voice_that_stays_deploying(
    studio: Studio, service: Service, tmp_path: Path
) -> None:
    # GIVEN a CosyVoice voice DashScope never finishes, and the page's clock under the test's control
    enrollment = service.upstreams.enrollment
    enrollment.deploy_statuses = ["DEPLOYING"]
    page = studio.page
    page.clock.install()
    studio.open(f"{service.base_url}/")
    label = "Stuck voice"
    try:
        entry = clone_cosyvoice_file(studio, service, label, tmp_path / "sample.wav")
    finally:
        enrollment.deploy_statuses = ["OK"]
    page.get_by_role("status").filter(has_text=f"“{label}” is being built").wait_for()

    # WHEN the minutes pass (each step lets one pending pause elapse; the page's request then runs in real time)
    stopped = f"“{label}” is still being built after 5 minutes; the page stopped checking."
    for _ in range(120):
        if page.inner_text("#voice-status").startswith(stopped):
            break
        page.clock.run_for(15_000)
        page.wait_for_timeout(100)
    studio.snap("stopped-following")

    # THEN it stops asking and says so, with what to do next; its pauses grew, so it asked a few times, not 300
    assert page.inner_text("#voice-status") == f"{stopped} Press Refresh in the catalog to check again."
    checks = voice_checks(studio, service, entry)
    assert 5 <= checks <= 25, checks
    page.clock.run_for(600_000)
    page.wait_for_timeout(500)
    assert voice_checks(studio, service, entry) == checks
    assert status_label(studio, label).inner_text() == "deploying"

    # WHEN DashScope has built it after all, and the person presses Refresh
    enrollment.voices[entry["voice_id"]].statuses = ["OK"]
    page.click("#catalog-refresh")

    # THEN the catalog asks about the voice and lists it as ready
    wait_for_catalog_status(studio, label, "ready")
    assert voice_checks(studio, service, entry) == checks + 1
    assert service.http.delete(f"/voices/{entry['id']}").status_code == 200
