"""Per-user catalogs, consent and clone quotas with users signed in, through the local app (what `make run` serves)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from scripts.assign_unowned import main as assign_unowned_command
from scripts.local_issuer import SigningKey
from scripts.reconcile import LOCAL_ENVIRONMENT
from testsupport.fakes.clone_support import make_sample
from testsupport.fakes.dashscope_enrollment_fake import FakeDashScopeEnrollment
from testsupport.issuer import TEST_AUDIENCE, TEST_ISSUER, running_issuer, users_mode_settings
from testsupport.wiring import FunctionWiring
from voice_service.models import NewEntry, NewVoice

# Every clone here stages its sample in a fresh bucket and enrolls with the DashScope fake.
pytestmark = pytest.mark.usefixtures("bucket", "fake")
QWEN_TARGET = "qwen3-tts-vc-realtime-2026-01-15"
CONSENT = {"consent_speaker": "Alice Example", "consent_affirmed": "true"}


@pytest.fixture(scope="module")
def sample() -> bytes:
    return make_sample("wav")


@pytest.fixture
def key(wiring: FunctionWiring) -> Iterator[SigningKey]:
    with running_issuer() as (signing_key, server):
        wiring.set(**users_mode_settings(server, OPENTALKING_AUTH_ADMIN_GROUP="admins"))
        yield signing_key


@pytest.fixture
def client(local_client: TestClient) -> TestClient:
    return local_client


def as_user(key: SigningKey, user: str, *groups: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + key.token(user, issuer=TEST_ISSUER, audience=TEST_AUDIENCE, groups=groups)}


def clone(client: TestClient, headers: dict[str, str], sample: bytes, label: str = "My voice", **fields: str):  # type: ignore[no-untyped-def]
    form = {"provider": "dashscope", "target_model": QWEN_TARGET, "display_label": label, **fields}
    return client.post("/voices/clone", data=form, files={"audio": ("s.wav", sample, "audio/wav")}, headers=headers)


def labels(client: TestClient, headers: dict[str, str]) -> list[str]:
    response = client.get("/voices", headers=headers)
    assert response.status_code == 200, response.text
    return [item["display_label"] for item in response.json()["items"]]


def test_users_see_and_delete_only_their_own_voices_and_may_share_a_label(
    key: SigningKey, client: TestClient, fake: FakeDashScopeEnrollment, sample: bytes
) -> None:
    alice, bob = as_user(key, "alice"), as_user(key, "bob")

    # GIVEN alice and bob each clone a voice with the same label
    first = clone(client, alice, sample, **CONSENT)
    second = clone(client, bob, sample, **{**CONSENT, "consent_speaker": "Bob Example"})
    assert first.status_code == second.status_code == 200, (first.text, second.text)

    # THEN both keep the label (de-duplication is per user), and each row is theirs
    assert first.json()["display_label"] == second.json()["display_label"] == "My voice"
    alice_items = client.get("/voices", headers=alice).json()["items"]
    assert [(item["user_id"], item["voice_id"]) for item in alice_items] == [("alice", first.json()["voice_id"])]
    assert labels(client, bob) == ["My voice"]

    # WHEN alice tries to read and to delete bob's voice
    bob_entry = second.json()["entry_id"]
    unseen = client.get(f"/voices/{bob_entry}", headers=alice)
    missing_detail = client.get("/voices/999999", headers=alice).json()["detail"]
    assert (unseen.status_code, unseen.json()["detail"]) == (404, missing_detail.replace("999999", str(bob_entry)))
    assert client.get(f"/voices/{bob_entry}", headers=bob).json()["user_id"] == "bob"
    refused = client.delete(f"/voices/{bob_entry}", headers=alice)

    # THEN it is "not found" (never "forbidden", which would confirm it exists), and bob still has it
    assert refused.status_code == 404
    missing = client.delete("/voices/999999", headers=alice)
    assert refused.json()["detail"] == missing.json()["detail"].replace("999999", str(bob_entry))
    assert labels(client, bob) == ["My voice"]
    assert client.delete(f"/voices/{bob_entry}", headers=bob).status_code == 200
    assert labels(client, bob) == []

    # AND a second clone with the same label by alice is de-duplicated within her catalog only
    third = clone(client, alice, sample, **CONSENT)
    assert third.json()["display_label"].startswith("My voice-")


def test_voices_from_before_sign_in_are_seen_by_the_admin_group_only(
    key: SigningKey, client: TestClient, wiring: FunctionWiring
) -> None:
    # GIVEN a row cloned in the open mode (no owner)
    old = wiring.catalog().add_entry(
        NewEntry(NewVoice("dashscope", "v-old", "Old voice", QWEN_TARGET), datetime.now(UTC))
    )
    assert old.user_id is None

    assert labels(client, as_user(key, "alice")) == []
    assert labels(client, as_user(key, "root", "admins")) == ["Old voice"]
    assert client.delete(f"/voices/{old.id}", headers=as_user(key, "alice")).status_code == 404
    assert client.delete(f"/voices/{old.id}", headers=as_user(key, "root", "admins")).status_code == 200


def test_make_assign_unowned_hands_the_old_rows_to_one_user(
    key: SigningKey, client: TestClient, wiring: FunctionWiring, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a row cloned in the open mode, and the command pointed at the same catalog file
    wiring.catalog().add_entry(NewEntry(NewVoice("dashscope", "v-old", "Old voice", QWEN_TARGET), datetime.now(UTC)))
    # (the command fills in `make run`'s environment; set here, it is undone after the test)
    for name, value in {
        **LOCAL_ENVIRONMENT,
        "OPENTALKING_SQLITE_PATH": wiring.values["OPENTALKING_SQLITE_PATH"],
    }.items():
        monkeypatch.setenv(name, value)
    # WHEN it is given no usable user, nothing changes; with alice's sub, the row becomes hers
    assert assign_unowned_command(["--to", " "]) == 2
    assert labels(client, as_user(key, "alice")) == []
    assert assign_unowned_command(["--to", "alice"]) == 0
    # THEN she lists it and the admin group no longer sees it as unowned
    assert labels(client, as_user(key, "alice")) == ["Old voice"]
    items = client.get("/voices", headers=as_user(key, "root", "admins")).json()["items"]
    assert items == []


def test_an_idempotency_key_is_per_user(
    key: SigningKey, client: TestClient, fake: FakeDashScopeEnrollment, sample: bytes
) -> None:
    # GIVEN alice's clone under an Idempotency-Key
    alice, bob = as_user(key, "alice"), as_user(key, "bob")
    first = clone(client, {**alice, "Idempotency-Key": "same-key"}, sample, **CONSENT)
    # WHEN bob sends the same key and form, and alice repeats hers
    theirs = clone(client, {**bob, "Idempotency-Key": "same-key"}, sample, **CONSENT)
    again = clone(client, {**alice, "Idempotency-Key": "same-key"}, sample, **CONSENT)
    # THEN bob got a voice of his own, alice her first answer again, and DashScope saw two clones
    assert first.status_code == theirs.status_code == again.status_code == 200, (first.text, theirs.text)
    assert theirs.json()["entry_id"] != first.json()["entry_id"] and again.json() == first.json()
    assert labels(client, bob) == ["My voice"] and len(fake.created_voices) == 2


def test_consent_is_required_stored_returned_and_deleted_with_the_voice(
    key: SigningKey, client: TestClient, fake: FakeDashScopeEnrollment, sample: bytes
) -> None:
    alice = as_user(key, "alice")

    # GIVEN the signed-in mode (consent required by default): a clone without consent is refused before any work
    refused = clone(client, alice, sample)
    assert refused.status_code == 400
    assert "consent" in refused.json()["detail"]
    half = clone(client, alice, sample, consent_speaker="Alice Example")
    assert half.status_code == 400 and "consent_affirmed" in half.json()["detail"]
    denied = clone(client, alice, sample, consent_speaker="Alice Example", consent_affirmed="false")
    assert denied.status_code == 400
    assert fake.requests == []

    # WHEN consent is given
    cloned = clone(client, alice, sample, **CONSENT)

    # THEN it is recorded (who, that it was affirmed, by whom, when) and returned on write and on read
    assert cloned.status_code == 200, cloned.text
    consent = cloned.json()["consent"]
    assert consent["speaker"] == "Alice Example" and consent["recorded_by"] == "alice"
    assert "consented" in consent["affirmation"] and consent["recorded_at"].endswith("Z")
    (item,) = client.get("/voices", headers=alice).json()["items"]
    assert item["consent"] == consent

    # AND deleting the voice deletes its consent record with it (one row)
    assert client.delete(f"/voices/{item['id']}", headers=alice).status_code == 200
    assert client.get("/voices", headers=alice).json()["items"] == []


def test_open_mode_clones_without_consent_and_answers_the_contract_fields(
    client: TestClient, fake: FakeDashScopeEnrollment, sample: bytes
) -> None:
    response = clone(client, {}, sample)
    assert response.status_code == 200, response.text
    assert "consent" not in response.json()
    assert response.json()["display_label"] == "My voice"


def test_voice_limit_is_a_429_naming_the_limit(
    key: SigningKey,
    client: TestClient,
    wiring: FunctionWiring,
    fake: FakeDashScopeEnrollment,
    sample: bytes,
) -> None:
    wiring.set(OPENTALKING_QUOTA_MAX_VOICES="1")
    alice = as_user(key, "alice")
    assert clone(client, alice, sample, **CONSENT).status_code == 200
    calls = len(fake.requests)

    response = clone(client, alice, sample, **CONSENT)

    assert response.status_code == 429
    assert "Voice limit" in response.json()["detail"] and "OPENTALKING_QUOTA_MAX_VOICES" in response.json()["detail"]
    assert len(fake.requests) == calls  # refused before the provider was asked
    # ... while another user still has room
    assert clone(client, as_user(key, "bob"), sample, **CONSENT).status_code == 200


def test_clone_rate_is_a_429_naming_the_limit(
    key: SigningKey,
    client: TestClient,
    wiring: FunctionWiring,
    sample: bytes,
) -> None:
    wiring.set(OPENTALKING_QUOTA_CLONES_PER_MINUTE="2")
    alice = as_user(key, "alice")
    assert [clone(client, alice, sample, **CONSENT).status_code for _ in range(2)] == [200, 200]

    response = clone(client, alice, sample, **CONSENT)

    assert response.status_code == 429
    assert (
        "rate limit" in response.json()["detail"] and "OPENTALKING_QUOTA_CLONES_PER_MINUTE" in response.json()["detail"]
    )


def test_a_user_cannot_preview_with_another_users_clone_and_previews_at_a_per_user_rate(
    key: SigningKey,
    client: TestClient,
    wiring: FunctionWiring,
    sample: bytes,
) -> None:
    wiring.set(OPENTALKING_QUOTA_PREVIEWS_PER_MINUTE="2")
    alice, bob = as_user(key, "alice"), as_user(key, "bob")
    # GIVEN alice's clone
    cloned = clone(client, alice, sample, **CONSENT)
    assert cloned.status_code == 200, cloned.text
    body = {"text": "Hello", "provider": "dashscope", "voice": cloned.json()["voice_id"]}

    # WHEN bob, or nobody, asks for a preview in alice's voice
    refused = client.post("/tts/preview", json=body, headers=bob)
    anonymous = client.post("/tts/preview", json=body)

    # THEN bob gets "not found" before the cache or a provider is reached, and nobody has to sign in first
    assert refused.status_code == 404, refused.text
    assert refused.json()["detail"].startswith("No cloned voice of yours")
    assert anonymous.status_code == 401
    # AND bob's previews are counted per minute: the third is a 429 naming the limit
    assert client.post("/tts/preview", json=body, headers=bob).status_code == 404
    limited = client.post("/tts/preview", json=body, headers=bob)
    assert limited.status_code == 429
    assert "Preview rate limit" in limited.json()["detail"]
    assert "OPENTALKING_QUOTA_PREVIEWS_PER_MINUTE" in limited.json()["detail"]
