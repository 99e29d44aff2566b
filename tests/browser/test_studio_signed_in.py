"""The voice studio where users sign in (`make run AUTH=users`): the page says sign-in is needed instead of failing
silently, takes a pasted token from the local issuer, and then auditions, clones and lists only that user's voices."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import SignedInService, Studio
from tests.browser.test_studio import catalog_row, play
from testsupport.fakes.clone_support import make_sample

pytestmark = pytest.mark.slow


def test_without_a_token_the_page_asks_to_sign_in(studio: Studio, signed_in_service: SignedInService) -> None:
    # The browser logs each refused request itself.
    studio.expect_console_error("401")
    studio.open(f"{signed_in_service.service.base_url}/")
    page = studio.page
    # THEN the page says why nothing is listed, and how to sign in locally (no identity provider configured)
    assert page.is_visible("#sign-in")
    assert page.get_attribute("body", "data-sign-in") == "needed"
    assert page.inner_text("#sign-in-status").startswith("This service needs you to sign in.")
    assert "make token" in page.inner_text("#sign-in-status")
    assert page.is_visible("#token") and page.is_hidden("#sign-in-provider")
    assert "Sign in first" in page.inner_text("#page-error")
    assert page.is_disabled("#play")
    studio.snap("sign-in-needed")


def test_with_a_pasted_token_a_user_auditions_clones_and_sees_only_their_voices(
    studio: Studio, signed_in_service: SignedInService, tmp_path: Path
) -> None:
    service = signed_in_service.service
    bob = {"Authorization": f"Bearer {signed_in_service.token('bob')}"}
    alice = {"Authorization": f"Bearer {signed_in_service.token('alice')}"}
    # GIVEN a voice of Bob's, cloned through the API
    answer = service.http.post(
        "/voices/clone",
        headers=bob,
        data={
            "provider": "cosyvoice",
            "target_model": "cosyvoice-v2",
            "display_label": "Bob's voice",
            "consent_speaker": "Bob",
            "consent_affirmed": "true",
        },
        files={"audio": ("bob.wav", make_sample("wav", seconds=5.0), "audio/wav")},
    )
    assert answer.status_code == 200, answer.text
    studio.expect_console_error("401")
    studio.open(f"{service.base_url}/")
    page = studio.page

    # WHEN Alice pastes her token
    page.fill("#token", signed_in_service.token("alice"))
    page.click("#use-token")
    page.wait_for_selector("#sign-in-status >> text=/^Signed in as alice/")
    page.wait_for_function("!document.getElementById('play').disabled")
    studio.snap("signed-in")
    # THEN she auditions a built-in voice (every call carries her token)
    assert play(studio)["duration"] > 0
    assert page.is_hidden("#page-error")

    # AND clones a voice from a file, with the speaker's consent
    sample = tmp_path / "alice.wav"
    sample.write_bytes(make_sample("wav", seconds=5.0))
    label = "Alice's voice"
    page.select_option("#clone-provider", "cosyvoice")
    page.fill("#display-label", label)
    page.fill("#consent-speaker", "Alice")
    page.check("#consent-affirmed")
    page.set_input_files("#sample-file", str(sample))
    page.wait_for_selector("#sample-info >> text=/^File: /")
    page.click("#clone-submit")
    page.wait_for_selector("#clone-status >> text=/^Cloned/")
    studio.snap("cloned")

    # AND the catalog lists hers and never Bob's
    catalog_row(studio, label).wait_for()
    assert catalog_row(studio, "Bob's voice").count() == 0
    (entry,) = service.http.get("/voices", headers=alice).json()["items"]
    assert (entry["display_label"], entry["consent"]["speaker"]) == (label, "Alice")
    assert [item["display_label"] for item in service.http.get("/voices", headers=bob).json()["items"]] == [
        "Bob's voice"
    ]

    # WHEN she signs out, the page asks again
    page.click("#sign-out")
    page.wait_for_selector("body[data-sign-in=needed]")
    assert catalog_row(studio, label).count() == 0
    assert "Sign in first" in page.inner_text("#catalog-error")
